/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_POLICY_SUPPORT_H
#define QPOD_POLICY_SUPPORT_H

#include "diag.h"
#include "policy.h"

/** Reports to DIAGS, as errors, the parts of a valid policy this qpodd
 * cannot enforce, so that none is silently ignored. Returns the number. */
size_t policy_check_supported(const struct qp_policy *p, struct diag_list *diags);

#endif
