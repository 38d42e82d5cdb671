/*
 * wall_clock_shift.so: moves CLOCK_REALTIME (clock_gettime, gettimeofday, time) of a process forward by the number
 * of seconds in the file named by WALL_CLOCK_SHIFT_FILE ("+N"), read again at most every 100 ms, so that several
 * processes share one jumping wall clock, as after a wake or a clock set forward. The monotonic and boot clocks and
 * every timer are left alone.
 *
 * Why not Debian's libfaketime 0.9.10: it also rewrites absolute timerfd deadlines, which libdispatch (and so
 * Swift's Task.sleep) arms on the monotonic clocks; in a process that starts with a non-zero offset a 0.3 s
 * Task.sleep never returns (seen in the soak: `token` calls hung for minutes, and every `serve` started after a jump
 * stopped refreshing), which is not what a wake or a clock set forward does to a program.
 *
 * Built by scripts/soak with the C compiler of the Swift toolchain: cc -shared -fPIC -O2 -o X.so this.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static clock_gettime_fn real_clock_gettime(void) {
    static _Atomic(clock_gettime_fn) real;
    clock_gettime_fn fn = atomic_load(&real);
    if (!fn) {
        fn = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
        atomic_store(&real, fn);
    }
    return fn;
}

static long long offset_seconds(void) {
    static _Atomic long long offset;
    static _Atomic long long read_at_ns = -1;
    const char *path = getenv("WALL_CLOCK_SHIFT_FILE");
    if (!path) return 0;
    struct timespec now;
    real_clock_gettime()(CLOCK_MONOTONIC, &now);
    long long now_ns = now.tv_sec * 1000000000LL + now.tv_nsec;
    long long last = atomic_load(&read_at_ns);
    if (last >= 0 && now_ns - last < 100000000LL) return atomic_load(&offset);
    atomic_store(&read_at_ns, now_ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char text[32] = {0};
        ssize_t n = read(fd, text, sizeof text - 1);
        close(fd);
        if (n > 0) atomic_store(&offset, strtoll(text, NULL, 10));
    }
    return atomic_load(&offset);
}

int clock_gettime(clockid_t id, struct timespec *spec) {
    int result = real_clock_gettime()(id, spec);
    if (result == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) spec->tv_sec += offset_seconds();
    return result;
}

int gettimeofday(struct timeval *restrict value, void *restrict zone) {
    (void)zone;
    struct timespec spec;
    int result = clock_gettime(CLOCK_REALTIME, &spec);
    if (result == 0) {
        value->tv_sec = spec.tv_sec;
        value->tv_usec = spec.tv_nsec / 1000;
    }
    return result;
}

time_t time(time_t *out) {
    struct timespec spec;
    clock_gettime(CLOCK_REALTIME, &spec);
    if (out) *out = spec.tv_sec;
    return spec.tv_sec;
}
