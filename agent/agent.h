/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_H
#define FLEETPATCH_AGENT_H

/*
 * Each agent command gets argv with argv[0] set to its own name and returns
 * the process exit status (0 ok, 1 failed, 2 bad usage or input).  One file
 * per command: agent/cmd_<name>.c.
 */
typedef int agent_cmd_fn(int argc, char **argv);

agent_cmd_fn cmd_inventory;
agent_cmd_fn cmd_enroll;
agent_cmd_fn cmd_run;
agent_cmd_fn cmd_defer;
agent_cmd_fn cmd_apply;

#endif
