# A webhook receiver with Python's standard library only (no package needed): verifies the Standard Webhooks
# signature, refuses stale timestamps, skips repeats by webhook-id and answers 204 at once.
# Run: WEBHOOK_SECRET=whsec_... PORT=4000 python3 receiver.py
import base64
import hashlib
import hmac
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = base64.b64decode(os.environ["WEBHOOK_SECRET"].removeprefix("whsec_"))
TOLERANCE_SECONDS = 5 * 60
seen = set()  # keep these in your database in production


def verify(headers, body):
    webhook_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (webhook_id and timestamp and signatures and timestamp.isdigit()):
        return False
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    # Two signatures while a rotated secret overlaps the new one: either may match.
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (s.partition(",") for s in signatures.split(" "))
    )


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))  # the raw bytes: the signature covers them
        if self.path != "/webhooks" or not verify(self.headers, body):
            print("rejected", flush=True)
            self.send_response(400)
        else:
            webhook_id = self.headers["webhook-id"]
            if webhook_id in seen:
                print(f"duplicate {webhook_id}", flush=True)
            else:
                seen.add(webhook_id)
                print(f"verified {webhook_id}", flush=True)  # hand the event to your own queue here
            self.send_response(204)
        # This server speaks HTTP/1.0 and closes the connection after each answer; saying so stops a sender that keeps
        # connections open from sending its next request on this one as it closes.
        self.send_header("Connection", "close")
        self.end_headers()

    def log_message(self, *args):
        pass


port = int(os.environ.get("PORT", "4000"))
server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
print(f"listening on http://127.0.0.1:{port}/webhooks", flush=True)
server.serve_forever()
