#!/usr/bin/python3
"""byte_counter.py LISTEN_PORT TARGET_PORT OUT_FILE: a TCP forwarder on 127.0.0.1 that counts.

Every connection to 127.0.0.1:LISTEN_PORT is forwarded to 127.0.0.1:TARGET_PORT; the bytes in
each direction are added up and written to OUT_FILE as "up DOWN_BYTES" lines ("up N" client to
server, "down N" server to client) every 0.2 s. The PIM benchmark (run_pim_bench.sh) puts one on
the terminal's control channel and one between vdirsyncer and Radicale.
"""
import asyncio
import sys

listen_port, target_port, out_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
totals = {"up": 0, "down": 0}


async def pipe(reader, writer, key):
    try:
        while data := await reader.read(65536):
            totals[key] += len(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, server_writer, "up"),
                         pipe(server_reader, client_writer, "down"))


async def report():
    while True:
        with open(out_file + ".tmp", "w") as out:
            out.write(f"up {totals['up']}\ndown {totals['down']}\n")
        import os
        os.replace(out_file + ".tmp", out_file)
        await asyncio.sleep(0.2)


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    print(f"listening 127.0.0.1:{listen_port}", flush=True)
    asyncio.create_task(report())
    async with server:
        await server.serve_forever()


asyncio.run(main())
