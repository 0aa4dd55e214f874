/*
 * release-command.h: "outpost-platform release add|list|del"
 * (release-command.c), run by main() in platform-main.c.
 */
#ifndef OUTPOST_RELEASE_COMMAND_H
#define OUTPOST_RELEASE_COMMAND_H

/* outpost-platform release COMMAND ...: argv[0] is "release". */
int	 release_command(int argc, char *argv[]);

#endif /* OUTPOST_RELEASE_COMMAND_H */
