#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Small network clients and servers for the system tests.

  tcp-serve ADDR PORT COUNT    accept COUNT connections, read each to EOF;
                               prints listening once it listens, and
                               received= for each
  tcp-send ADDR PORT BYTES     connect, send BYTES, close; prints connect_ms=
  udp-sink ADDR PORT COUNT     receive COUNT datagrams (3 s idle timeout);
                               prints received= in_order=
Every command gives up after 20 seconds. Words after the four arguments
are ignored: they let a test tell two probes apart by command line.
"""
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def tcp_serve(addr, port, count):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    print("listening", flush=True)
    s.settimeout(20)
    for _ in range(count):
        c, _ = s.accept()
        c.settimeout(20)
        total = 0
        while True:
            d = c.recv(65536)
            if not d:
                break
            total += len(d)
        c.close()
        print("received=%d" % total, flush=True)


def tcp_send(addr, port, nbytes):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.settimeout(20)
    t0 = time.monotonic()
    s.connect((addr, port))
    print("connect_ms=%.3f" % ((time.monotonic() - t0) * 1000), flush=True)
    s.sendall(b'x' * nbytes)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()


def udp_sink(addr, port, count):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, port))
    s.settimeout(3)
    seqs = []
    try:
        while len(seqs) < count:
            d, _ = s.recvfrom(2048)
            seqs.append(int(d[:8]))
    except socket.timeout:
        pass
    ordered = all(seqs[i] < seqs[i + 1] for i in range(len(seqs) - 1))
    print("received=%d in_order=%s" % (len(seqs), "yes" if ordered else "no"))
    if not ordered:
        first = next(i for i in range(len(seqs) - 1) if seqs[i] > seqs[i + 1])
        print("around:", seqs[max(0, first - 3):first + 4])


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    cmd, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    {"tcp-serve": tcp_serve, "tcp-send": tcp_send, "udp-sink": udp_sink}[cmd](addr, port, n)


if __name__ == "__main__":
    main()
