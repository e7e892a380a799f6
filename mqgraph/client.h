/* client.h - the subcommands that talk to running graphs: list, status, top, get,
 * set, events, send, tap and stop. */
#ifndef MQG_CLIENT_H
#define MQG_CLIENT_H

/* The usage text of subcommand `cmd`, or NULL if it is not one of these. */
const char *client_usage(const char *cmd);

/* Runs subcommand `cmd` with its arguments; returns the exit status. */
int client_main(const char *cmd, int argc, char **argv);

#endif
