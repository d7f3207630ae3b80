/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Error texts that clients and test suites match on.  They must stay
 * byte-for-byte equal to Redis 7.0's.  (Messages with arguments are built
 * with addReplyErrorFormat at the call site.)
 */
#ifndef TERN_CORE_ERRORS_H
#define TERN_CORE_ERRORS_H

#define ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define ERR_SYNTAX "ERR syntax error"
#define ERR_NOT_INT "ERR value is not an integer or out of range"
#define ERR_NOT_FLOAT "ERR value is not a valid float"
#define ERR_OVERFLOW "ERR increment or decrement would overflow"
#define ERR_NO_SUCH_KEY "ERR no such key"
#define ERR_OUT_OF_RANGE "ERR index out of range"
#define ERR_DB_INDEX "ERR DB index is out of range"
#define ERR_INVALID_DB "ERR invalid DB index"
#define ERR_SAME_OBJECT "ERR source and destination objects are the same"
#define ERR_INVALID_EXPIRE "ERR invalid expire time in '%s' command"
#define ERR_NOAUTH "NOAUTH Authentication required."
#define ERR_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define ERR_STRING_TOO_LONG "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
#define ERR_OOM "OOM command not allowed when used memory > 'maxmemory'."
#define ERR_EXECABORT "EXECABORT Transaction discarded because of previous errors."
#define ERR_NOSCRIPT "NOSCRIPT No matching script. Please use EVAL."
#define ERR_TIMEOUT_NEG "ERR timeout is negative"

#endif
