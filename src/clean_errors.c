/*
 * clean_errors.c: indb_ml's errors as a psql or BI user should read them.
 *
 * PL/Python reports an exception that leaves a function as "<type>: <value>" (plpy_elog.c,
 * PLy_traceback) and puts the Python traceback first in CONTEXT, so a bad argument reads
 *
 *     ERROR:  plpy.Error: source_table 'nope' does not exist
 *     CONTEXT:  Traceback (most recent call last):
 *       PL/Python function "linregr_train", line 3, in <module>
 *       ...
 *     PL/Python function "linregr_train"
 *
 * Python cannot avoid that: the prefix and the traceback are built in C after the function
 * has returned. So this file installs an emit_log_hook (chained to any earlier one) that,
 * just before PostgreSQL writes an error to the server log and sends it to the client:
 * - removes the exception-class prefixes from the message ("plpy.Error: ", "plpy.Fatal: ",
 *   "plpy.SPIError: ", "spiexceptions.<Name>: ", repeated, as an error relayed from a nested
 *   call carries two), unless that would leave it empty;
 * - removes the traceback, the first entry of CONTEXT, keeping the entries after it
 *   (PL/Python function "...", SQL statement "...", PL/pgSQL lines).
 * SQLSTATE, DETAIL, HINT, query and position are not touched.
 *
 * Only indb_ml's errors are changed: those whose traceback runs through the frame of the
 * wrapper every indb_ml entry point has (indb_ml/core/session.py, sql_entry, whose inner
 * function is named indb_ml_sql_entry for this purpose). A user's own PL/Python functions
 * keep PL/Python's format, whether or not the module happens to be loaded in the backend.
 * The traceback itself goes to the server log at DEBUG2 (sql_entry logs it with plpy.debug
 * before the error leaves Python), so log_min_messages = debug2 shows it again.
 *
 * indb_ml.clean_errors (any role, default on) turns this off for a session.
 *
 * Limits: PostgreSQL calls emit_log_hook only for messages that go to the server log
 * (edata->output_to_server); with log_min_messages at its default (warning) or anything up
 * to error, every ERROR does, but with log_min_messages = fatal or panic errors reach the
 * client unchanged. The hook is installed when the module is loaded in the backend:
 * sql_entry makes sure of that (one C call, once per backend) before an entry can fail,
 * except in parallel mode, where PL/Python can run no SQL (a worker has the module when its
 * leader has, and the leader reports a worker's error again, through this hook).
 * Messages of level WARNING and above are looked at; the others never carry a traceback.
 *
 * This runs while an error is being reported, so it does no catalog access, never raises
 * and allocates nothing: both strings only get shorter, so they are edited in place.
 * They are the error's own copies (elog.c pstrdup's every message and context into
 * ErrorContext), owned by this error and freed with it, not PL/Python's strings.
 */
#include "postgres.h"

#include <string.h>

#include "utils/elog.h"

#include "indb_ml.h"

bool		indb_clean_errors = true;

static emit_log_hook_type prev_emit_log_hook = NULL;

#define TRACEBACK_HEAD		"Traceback (most recent call last):"
/* a frame line of the traceback, as plpy_elog.c writes it */
#define FRAME_START			"  PL/Python function \""
/* how a frame of sql_entry's wrapper ends (keep in step with indb_ml/core/session.py) */
#define ENTRY_FRAME_END		", in indb_ml_sql_entry"

/* The length of the exception-class prefix message starts with (0: none). */
static size_t
class_prefix_length(const char *message)
{
	static const char *const fixed[] = {"plpy.Error: ", "plpy.Fatal: ", "plpy.SPIError: "};
	const char *p;
	int			i;

	for (i = 0; i < lengthof(fixed); i++)
		if (strncmp(message, fixed[i], strlen(fixed[i])) == 0)
			return strlen(fixed[i]);
	if (strncmp(message, "spiexceptions.", 14) != 0)
		return 0;
	p = message + 14;
	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
		return 0;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		   (*p >= '0' && *p <= '9') || *p == '_')
		p++;
	if (p[0] != ':' || p[1] != ' ')
		return 0;
	return (p + 2) - message;
}

/*
 * The length of the traceback at the start of context, '\n' after it included, if it is
 * the traceback of an indb_ml entry (0 otherwise). The traceback is one context entry: its
 * head line, then lines indented by two spaces (frames) or four (their source lines); the
 * next entry, if any, starts unindented.
 */
static size_t
indb_traceback_length(const char *context)
{
	size_t		head = strlen(TRACEBACK_HEAD);
	size_t		frame_start = strlen(FRAME_START);
	size_t		entry_end = strlen(ENTRY_FRAME_END);
	const char *p;
	bool		ours = false;

	if (strncmp(context, TRACEBACK_HEAD, head) != 0 || (context[head] != '\n' && context[head] != '\0'))
		return 0;
	p = context + head;
	while (p[0] == '\n' && p[1] == ' ' && p[2] == ' ')
	{
		const char *line = p + 1;
		const char *end = strchr(line, '\n');
		size_t		len = end ? (size_t) (end - line) : strlen(line);

		if (len > frame_start + entry_end && strncmp(line, FRAME_START, frame_start) == 0 &&
			strncmp(line + len - entry_end, ENTRY_FRAME_END, entry_end) == 0)
			ours = true;
		p = line + len;
	}
	if (!ours)
		return 0;
	return (p[0] == '\n') ? (size_t) (p + 1 - context) : (size_t) (p - context);
}

static void
clean_error(ErrorData *edata)
{
	size_t		traceback;

	if (edata->context == NULL || edata->message == NULL)
		return;
	traceback = indb_traceback_length(edata->context);
	if (traceback == 0)
		return;

	/* the rest of the context, or none if the traceback was all of it */
	if (edata->context[traceback] == '\0')
		edata->context = NULL;	/* the string stays in ErrorContext, freed with it */
	else
		memmove(edata->context, edata->context + traceback, strlen(edata->context + traceback) + 1);

	for (;;)
	{
		size_t		prefix = class_prefix_length(edata->message);

		if (prefix == 0 || edata->message[prefix] == '\0')
			break;
		memmove(edata->message, edata->message + prefix, strlen(edata->message + prefix) + 1);
	}
}

static void
clean_errors_hook(ErrorData *edata)
{
	if (indb_clean_errors && edata->elevel >= WARNING)
		clean_error(edata);
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/* Called once, from _PG_init (guc.c). */
void
indb_install_clean_errors(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = clean_errors_hook;
}
