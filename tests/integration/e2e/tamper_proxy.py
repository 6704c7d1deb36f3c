#!/usr/bin/env python3
"""A man in the middle for the end-to-end tests, on loopback only.

tamper_proxy.py UPSTREAM PORTFILE SWITCH LOG RESULTS

Forwards every request to UPSTREAM (http://127.0.0.1:PORT) and the answer
back.  Each job result an agent sends in a check-in is appended to
RESULTS, one JSON object a line, as the agent sent it.  While the file
SWITCH exists and holds "HOST_ID VERSION", each signed job for that host
in a check-in answer is altered: every package version in its payload
becomes VERSION (the signature is left as it was), and one line per
altered job goes to LOG.  The port it listens on is written to PORTFILE.
"""
import http.server
import json
import os
import sys
import urllib.error
import urllib.request

UPSTREAM, PORTFILE, SWITCH, LOG, RESULTS = sys.argv[1:6]
if not UPSTREAM.startswith("http://127.0.0.1:"):
    sys.exit("tamper_proxy: upstream must be on loopback")


def tamper(body):
    try:
        with open(SWITCH, encoding="utf-8") as f:
            host, version = f.read().split()
    except FileNotFoundError:
        return body
    answer = json.loads(body)
    for job in answer.get("jobs") or []:
        payload = json.loads(job["payload"])
        if payload["host_id"] != int(host):
            continue
        for p in payload.get("packages", []):
            p["version"] = version
        job["payload"] = json.dumps(payload, separators=(",", ":"), sort_keys=True)
        with open(LOG, "a", encoding="utf-8") as f:
            f.write("job %d: versions set to %s\n" % (payload["job_id"], version))
    return json.dumps(answer).encode()


class Proxy(http.server.BaseHTTPRequestHandler):
    def forward(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else None
        if data and self.path == "/api/v1/agent/checkin":
            with open(RESULTS, "a", encoding="utf-8") as f:
                for r in json.loads(data).get("job_results") or []:
                    f.write(json.dumps(r) + "\n")
        req = urllib.request.Request(UPSTREAM + self.path, data=data, method=self.command)
        for h in ("Authorization", "Content-Type", "Accept"):
            if self.headers.get(h):
                req.add_header(h, self.headers[h])
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, body = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()
        if status == 200 and self.path == "/api/v1/agent/checkin":
            body = tamper(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = forward

    def log_message(self, *args):
        pass


# No proxy of the environment between us and the loopback server.
urllib.request.install_opener(urllib.request.build_opener(urllib.request.ProxyHandler({})))
srv = http.server.HTTPServer(("127.0.0.1", 0), Proxy)
with open(PORTFILE + ".tmp", "w", encoding="utf-8") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
