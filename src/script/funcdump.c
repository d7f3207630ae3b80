#include "net/reply.h"
#include "core/command.h"
void functionDumpCommand(client *c) { addReplyError(c, "ERR todo"); }
void functionRestoreCommand(client *c) { addReplyError(c, "ERR todo"); }
