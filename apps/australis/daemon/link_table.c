/* SPDX-License-Identifier: Apache-2.0 */
/* The links this australis knows (link.h): one line per link. */
#include <string.h>

#include "link.h"
#include "link_tcpcl.h"

static const dmn_link_ops *const links[] = {
    &dmn_link_folder,
    &dmn_link_ccsds,
    &dmn_link_tcpcl,
    &dmn_link_udpcl,
};

const dmn_link_ops *dmn_link_find(const char *name)
{
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        if (!strcmp(links[i]->name, name))
            return links[i];
    return NULL;
}
