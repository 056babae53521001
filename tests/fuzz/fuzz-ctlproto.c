/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket's request parser: any local user in the control
 * group (or any process, for the refusal path) writes these bytes. */
#include <errno.h>
#include <string.h>

#include "ctlproto.h"
#include "fuzz.h"

static bool has_nul(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	struct ctl_request req, again;
	char err[256], small[8];
	int r;

	/* Poisoned, so a field the parser forgot to set shows up below. */
	memset(&req, 0xa5, sizeof(req));
	err[0] = '\0';
	r = ctl_parse_request(line, size, &req, err, sizeof(err));
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r < 0) {
		/* The answer quotes the reason: always one, always terminated. */
		FUZZ_ASSERT(err[0] && has_nul(err, sizeof(err)));
	} else {
		FUZZ_ASSERT(req.version == CTL_VERSION);
		FUZZ_ASSERT((unsigned)req.command < CTL_N_COMMANDS);
		FUZZ_ASSERT(has_nul(req.endpoint, sizeof(req.endpoint)));
		FUZZ_ASSERT(has_nul(req.cls, sizeof(req.cls)));
		FUZZ_ASSERT(req.command == CTL_EXPLAIN ? !req.pid != !req.endpoint[0]
						       : !req.pid && !req.endpoint[0]);
		FUZZ_ASSERT(req.command == CTL_RUN ? req.cls[0] != '\0' : !req.cls[0] && !req.scope);
		FUZZ_ASSERT(strcmp(ctl_command_name(req.command), "?") != 0);
		/* The socket fills these in, never the request. */
		FUZZ_ASSERT(req.peer_pid == 0 && req.peer_uid == 0);
	}
	/* A short error buffer changes the message, never the verdict. */
	memset(&again, 0, sizeof(again));
	FUZZ_ASSERT(ctl_parse_request(line, size, &again, small, sizeof(small)) == r);
	FUZZ_ASSERT(r < 0 || (again.command == req.command && again.pid == req.pid &&
			      again.scope == req.scope && !strcmp(again.endpoint, req.endpoint) &&
			      !strcmp(again.cls, req.cls)));
	return 0;
}
