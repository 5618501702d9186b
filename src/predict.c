/*
 * predict.c: per-row prediction of linear models (linregr, logregr, GLM, elastic net).
 * BI views call these once per row, so they are C: a checked dot product and a link.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "indb_ml.h"

/*
 * The float8 elements of a 1-D array argument without NULLs, or NULL when the array needs
 * the full checks of indb_vector_arg (toasted, not float8, not 1-D, or with NULLs). BI
 * queries call the predictions once per row: this path costs a few loads per argument.
 */
static inline const double *
plain_vector(FunctionCallInfo fcinfo, int argno, int *len)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	ArrayType  *arr;

	if (VARATT_IS_EXTENDED(raw))
		return NULL;
	arr = (ArrayType *) raw;
	if (ARR_NDIM(arr) != 1 || ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != FLOAT8OID)
		return NULL;
	*len = ARR_DIMS(arr)[0];
	return (const double *) ARR_DATA_PTR(arr);
}

/* coef . x with both arrays checked; caller names the SQL function in errors. */
static double
checked_dot(FunctionCallInfo fcinfo, int coef_arg, int x_arg, const char *caller)
{
	const double *coef;
	const double *x;
	int			k,
				kx;
	bool		null_coef = false,
				null_x = false;

	coef = plain_vector(fcinfo, coef_arg, &k);
	if (coef == NULL)
		coef = indb_vector_arg(fcinfo, coef_arg, &k, &null_coef, caller, "coef");
	x = plain_vector(fcinfo, x_arg, &kx);
	if (x == NULL)
		x = indb_vector_arg(fcinfo, x_arg, &kx, &null_x, caller, "the features");
	if (k != kx)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %d coefficients but %d features", caller, k, kx),
				 errhint("pass the features in the order and number used to train")));
	if (null_coef || null_x)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: %s contains NULL elements", caller, null_coef ? "coef" : "the feature array"),
				 errhint("fill or skip rows with missing features, e.g. WHERE array_position(x, NULL) IS NULL")));
	return k == 0 ? 0.0 : indb_dot(x, coef, k);
}

typedef enum Link
{
	LINK_IDENTITY, LINK_LOG, LINK_INVERSE, LINK_SQR_INVERSE, LINK_SQRT, LINK_LOGIT, LINK_PROBIT
} Link;

static Link
parse_link(text *name, const char *caller)
{
	char	   *s = text_to_cstring(name);
	static const char *const names[] = {"identity", "log", "inverse", "sqr_inverse", "sqrt", "logit", "probit"};
	int			i;

	for (i = 0; i < (int) lengthof(names); i++)
		if (pg_strcasecmp(s, names[i]) == 0)
			return (Link) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: unknown link %s", caller, quote_literal_cstr(s)),
			 errhint("identity, log, inverse, sqr_inverse, sqrt, logit or probit")));
	return LINK_IDENTITY;		/* not reached */
}

/* The mean response g^-1(eta), as statsmodels' links. */
static double
link_inverse(Link link, double eta)
{
	switch (link)
	{
		case LINK_IDENTITY:
			return eta;
		case LINK_LOG:
			return exp(eta < 709.0 ? eta : 709.0);
		case LINK_INVERSE:
			return 1.0 / eta;
		case LINK_SQR_INVERSE:
			return 1.0 / sqrt(eta);
		case LINK_SQRT:
			return eta * eta;
		case LINK_LOGIT:
			return indb_expit(eta);
		case LINK_PROBIT:
			return 0.5 * erfc(-eta / M_SQRT2);
	}
	return eta;
}

/* _model_dot(coef, features, caller): the dot product behind the SQL predict wrappers */
PG_FUNCTION_INFO_V1(indb_ml_model_dot);
Datum
indb_ml_model_dot(PG_FUNCTION_ARGS)
{
	char	   *caller = text_to_cstring(PG_GETARG_TEXT_PP(2));

	PG_RETURN_FLOAT8(checked_dot(fcinfo, 0, 1, caller));
}

/* linregr_predict(coef, x): coef . x */
PG_FUNCTION_INFO_V1(indb_ml_linregr_predict);
Datum
indb_ml_linregr_predict(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(checked_dot(fcinfo, 0, 1, "linregr_predict"));
}

/* logregr_predict_prob(coef, x): 1 / (1 + e^-(coef . x)) */
PG_FUNCTION_INFO_V1(indb_ml_logregr_predict_prob);
Datum
indb_ml_logregr_predict_prob(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(indb_expit(checked_dot(fcinfo, 0, 1, "logregr_predict")));
}

/* logregr_predict(coef, x): probability >= 0.5 */
PG_FUNCTION_INFO_V1(indb_ml_logregr_predict);
Datum
indb_ml_logregr_predict(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(indb_expit(checked_dot(fcinfo, 0, 1, "logregr_predict")) >= 0.5);
}

/* glm_predict(coef, x, link): the mean response g^-1(coef . x) */
PG_FUNCTION_INFO_V1(indb_ml_glm_predict);
Datum
indb_ml_glm_predict(PG_FUNCTION_ARGS)
{
	Link		link = parse_link(PG_GETARG_TEXT_PP(2), "glm_predict");

	PG_RETURN_FLOAT8(link_inverse(link, checked_dot(fcinfo, 0, 1, "glm_predict")));
}
