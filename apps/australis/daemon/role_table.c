/* SPDX-License-Identifier: Apache-2.0 */
/* The roles this australis knows (role.h): one line per role. */
#include <string.h>

#include "role.h"

static const dmn_role_ops *const roles[] = {
    &dmn_role_ground,
    &dmn_role_sat,
};

const dmn_role_ops *dmn_role_find(const char *name)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (!strcmp(roles[i]->name, name))
            return roles[i];
    return NULL;
}
