/*
 * user-command.h: "outpost-platform user add|list|passwd|del"
 * (user-command.c), run by main() in platform-main.c.
 */
#ifndef OUTPOST_USER_COMMAND_H
#define OUTPOST_USER_COMMAND_H

int	 user_command(int argc, char *argv[]);

#endif /* OUTPOST_USER_COMMAND_H */
