// timerfd(2), which Swift's Glibc module does not bring: the engine's wall-clock watcher
// (Sources/RefreshEngine/Scheduling/WallClockSets.swift) arms one with TFD_TIMER_CANCEL_ON_SET.
#include <sys/timerfd.h>
