#!/usr/bin/env python3
"""A scripted "browser" for Tests/E2E/signin.py: oauthtop runs `$BROWSER <authorization URL>`.

Usage (as BROWSER): `python browser.py MODE RECORD_FILE` + the URL that oauthtop appends. The peer
auto-approves, so GET on the authorization URL answers 302 to our redirect URI with `code` and `state`.
MODE:
  follow           GET the authorization URL, then GET the redirect Location (what a browser does)
  wrong_then_right first GET the Location with a different `state` (must be refused with 400 and must not
                   end the sign-in), then the real Location
  missing_code     GET the Location without its `code` (state kept)
  deny             skip the provider: GET the redirect URI with error=access_denied and the right state
  nothing          do nothing (the sign-in times out)
Everything seen (state, code, redirect URI, HTTP statuses, page titles, the URLs visited without their query) is
written as JSON to RECORD_FILE, so the suite can check the pages and grep its output for the state and the code.
"""
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url):
    try:
        with OPENER.open(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def title(body):
    match = re.search(r"<h1>(.*?)</h1>", body)
    return match.group(1) if match else None


def with_query(url, change):
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = change(query)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def main():
    mode, record_file, url = sys.argv[1], sys.argv[2], sys.argv[3]
    record = {"mode": mode, "visits": []}
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    record["state"] = params.get("state")
    record["redirect_uri"] = params.get("redirect_uri")
    record["authorization_params"] = sorted(params)
    record["code_challenge_method"] = params.get("code_challenge_method")
    record["scope"] = params.get("scope")

    def visit(target, label):
        status, headers, body = get(target)
        parts = urllib.parse.urlsplit(target)
        record["visits"].append({"label": label, "status": status, "title": title(body),
                                 "referrer_policy": headers.get("Referrer-Policy"),
                                 "url": urllib.parse.urlunsplit(parts._replace(query="", fragment=""))})
        return status, headers

    try:
        if mode == "deny":
            callback = with_query(params["redirect_uri"], lambda q: [
                ("error", "access_denied"), ("error_description", "The user said no"), ("state", params["state"])])
            visit(callback, "callback")
        elif mode != "nothing":
            status, headers = visit(url, "authorize")
            location = headers.get("Location") or headers.get("location")
            record["code"] = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query)).get("code")
            if mode == "wrong_then_right":
                visit(with_query(location, lambda q: [(k, "x" + v if k == "state" else v) for k, v in q]), "wrong_state")
                visit(with_query(location, lambda q: [(k, v) for k, v in q if k != "state"]), "no_state")
                visit(location, "callback")
            elif mode == "missing_code":
                visit(with_query(location, lambda q: [(k, v) for k, v in q if k != "code"]), "callback")
            else:
                visit(location, "callback")
    except Exception as error:  # recorded for the suite to report
        record["error"] = repr(error)
    # Written whole or not at all: the suite reads the file as soon as it exists.
    with open(record_file + ".partial", "w") as handle:
        json.dump(record, handle)
    os.replace(record_file + ".partial", record_file)


if __name__ == "__main__":
    main()
