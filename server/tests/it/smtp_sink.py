"""A real SMTP server for Herald's tests, built on aiosmtpd.

Listens on 127.0.0.1 at a free port, prints "PORT <n>" once ready, and stores every accepted
message as <dir>/<n>.eml (written to a temporary name, then renamed, so a file that exists is
whole). Scripted replies by recipient: an address starting with "tempfail" gets 451, one
starting with "reject" gets 550 (5.1.1 unknown user). It offers PIPELINING and SMTPUTF8,
as real relays do, so Herald's pipelined transaction is the one tested (aiosmtpd answers
commands in order).

Usage: python3 smtp_sink.py DIR
"""

import asyncio
import itertools
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return responses[:-1] + ["250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local.startswith("tempfail"):
            return "451 4.3.0 try again later"
        if local.startswith("reject"):
            return "550 5.1.1 unknown user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        tmp = os.path.join(self.directory, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.directory, f"{n}.eml"))
        return "250 2.0.0 stored"


async def main(directory):
    loop = asyncio.get_running_loop()
    sink = Sink(directory)
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test", enable_SMTPUTF8=True), "127.0.0.1", 0)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
