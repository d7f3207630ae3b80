/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Command table access and dispatch.  The table itself is data in
 * core/commands.def; this module builds the lookup from it, enforces what
 * every command shares (unknown command, arity, auth, key extraction), calls
 * the handler, keeps statistics, and answers COMMAND introspection.
 */
#ifndef TERN_CORE_COMMAND_H
#define TERN_CORE_COMMAND_H

#include "server/server.h"

/* Declarations of every handler named in the table. */
#define CMD(name, proc, ...) commandProc proc;
#define SUB(container, name, proc, ...) commandProc proc;
#include "core/commands.def"
#undef CMD
#undef SUB

/* Handler of container commands; never reached through dispatch. */
commandProc containerCommand;

/* Builds the name index used by lookupCommandByName (the one index: the
 * table itself is what COMMAND iterates), links subcommands to their
 * containers and attaches the key specs of core/keyspecs.def.  Called once
 * at startup. */
void commandTableInit(void);
/* Finds a top-level command by name (any case); NULL if unknown. */
command *lookupCommandByName(const char *name, size_t len);
/* Resolves argv[0] (and argv[1] for containers) to the command to run.
 * Returns NULL when unknown. */
command *lookupCommand(slice *argv, int argc);
/* Runs the command in c->argv after all checks; replies errors itself. */
void processCommand(client *c);
/* Counts a command that a script tried to run but that was refused
 * before running ('cmd' NULL when unknown): the error reply 'err' ('len'
 * bytes, "CODE message") in the statistics, a rejected call of 'cmd', and
 * not a failure of the script command that was running. */
void commandNoteRejection(command *cmd, const char *err, size_t len);
/* Lets the commands handled by 'proc' compute their flags per call: 'fn'
 * gets the client (its argv is the call) and the table's flags and
 * returns the flags the dispatcher checks (OOM, MULTI).  Script engines
 * register theirs at startup. */
void commandSetFlagsProc(commandProc *proc, uint64_t (*fn)(client *c, uint64_t tableFlags));
/* The flags of the call of 'cmd' in 'c' (the table's, or flagsProc's). */
uint64_t commandCallFlags(client *c, const command *cmd);
/* Executes 'c->cmd' with statistics (used by processCommand and EXEC). */
void callCommand(client *c);
/* Replaces argument 'j' of the running command with "(redacted)" so the
 * slow log and MONITOR never show it (passwords).  The handler calls it
 * once it no longer needs the argument; out-of-range 'j' is ignored. */
void commandRedactArg(client *c, int j);
/* Resets INFO commandstats counters. */
void commandResetStats(void);
/* Iterates the table: calls 'fn' for every command and subcommand. */
void commandForEach(void (*fn)(command *cmd, void *priv), void *priv);
/* Number of table entries (commands and subcommands); ids run from 0. */
int commandCount(void);
/* The entry with id 'id', or NULL when out of range. */
command *commandById(int id);
/* Finds "name" or "container|sub" (any case); NULL if unknown, and for
 * "name|x" when 'name' has no subcommands (ACL rules, COMMAND INFO). */
command *lookupCommandByFullName(slice s);
/* Name of ACL category bit 'bit' ("keyspace" ...), or NULL past the end. */
const char *commandCategoryName(int bit);
/* The ACL_* bit of category 'name' ('len' bytes, any case), or 0. */
uint64_t commandCategoryByName(const char *name, size_t len);
/* Full name as Redis prints it in errors ("config|get"). */
const char *commandFullName(const command *cmd);
/* Keys of a command invocation: writes up to 'max' argv indexes into
 * 'out' and returns how many it wrote (0 when the arguments name none).
 * The key specs decide (core/keyspec.h; commandKeys gives the flags too). */
int commandGetKeys(const command *cmd, slice *argv, int argc, int *out, int max);

#endif
