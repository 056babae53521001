/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The header parser that reads every queued packet: its bytes come from
 * the network, and the kernel may hand over a cut copy. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tuple f;
	uint8_t flags;
	char buf[128], tiny[12];

	/* libFuzzer's buffer ends at SIZE: ASan catches a read past it. */
	if (packet_parse(data, size, &f, &flags) < 0)
		return 0;
	if (f.family == AF_INET) {
		FUZZ_ASSERT(size >= 20 && data[0] >> 4 == 4);
		FUZZ_ASSERT(memcmp(f.saddr, data + 12, 4) == 0 && memcmp(f.daddr, data + 16, 4) == 0);
	} else {
		FUZZ_ASSERT(f.family == AF_INET6);
		FUZZ_ASSERT(size >= 40 && data[0] >> 4 == 6);
		FUZZ_ASSERT(memcmp(f.saddr, data + 8, 16) == 0 && memcmp(f.daddr, data + 24, 16) == 0);
	}
	FUZZ_ASSERT(!f.has_ports || f.proto == IPPROTO_TCP || f.proto == IPPROTO_UDP);
	FUZZ_ASSERT(!flags || f.proto == IPPROTO_TCP);
	/* The log line for it, whole and cut short. */
	tuple_format(&f, buf, sizeof(buf));
	FUZZ_ASSERT(memchr(buf, '\0', sizeof(buf)) && buf[0]);
	tuple_format(&f, tiny, sizeof(tiny));
	FUZZ_ASSERT(memchr(tiny, '\0', sizeof(tiny)));
	return 0;
}
