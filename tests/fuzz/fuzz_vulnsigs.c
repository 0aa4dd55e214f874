/*
 * fuzz_vulnsigs.c: libFuzzer target for what vuln.c reads from outside:
 * vulnsigs manifest bodies (admin API) and inventory package lists (agent
 * API). The input is one JSON object. If it passes vuln_sigs_check(),
 * every signature is tested against a few installed versions and must
 * agree with its own range; "packages", if present, goes through
 * vuln_packages_check(). Errors must name a field and say why.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "vercmp.h"
#include "vuln.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Check one accepted signature against installed versions. */
static void
fuzz_sig(struct json_object *obj)
{
	static const char *const installed[] = {
		"0", "1.0", "1:1.0-1", "1.0~rc1", "2.0-1", "1.0^git1-1",
		"99999999999", "a", ""
	};
	struct vuln_sig	 sig;
	size_t		 i;
	int		(*cmp)(const char *, const char *);
	int		 in;

	vuln_sig_from_json(obj, &sig);
	if (sig.id == NULL || sig.title == NULL || sig.package == NULL ||
	    !vuln_ecosystem_known(sig.ecosystem) ||
	    vuln_severity_name(sig.severity) == NULL)
		abort();
	cmp = strcmp(sig.ecosystem, "deb") == 0 ? vercmp_deb : vercmp_rpm_evr;
	/* An accepted range is never empty the wrong way round. */
	if (sig.introduced != NULL && sig.fixed != NULL &&
	    cmp(sig.introduced, sig.fixed) >= 0)
		abort();
	/* The fixed version itself is never affected; introduced is. */
	if (sig.fixed != NULL && vuln_affected(&sig, sig.fixed))
		abort();
	if (sig.introduced != NULL && !vuln_affected(&sig, sig.introduced))
		abort();
	for (i = 0; i < sizeof(installed) / sizeof(installed[0]); i++) {
		in = vuln_affected(&sig, installed[i]);
		if (in && sig.fixed != NULL &&
		    cmp(installed[i], sig.fixed) >= 0)
			abort();
		if (in && sig.introduced != NULL &&
		    cmp(installed[i], sig.introduced) < 0)
			abort();
	}
}

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*obj, *sigs, *packages;
	char			 err[128], field[256], msg[256];
	size_t			 i;

	if ((obj = json_parse_object((const char *)data, size, err,
	    sizeof(err))) == NULL)
		return 0;
	field[0] = msg[0] = '\0';
	if (vuln_sigs_check(obj, field, sizeof(field), msg, sizeof(msg)) ==
	    0) {
		if (!json_object_object_get_ex(obj, "signatures", &sigs))
			abort();
		for (i = 0; i < json_object_array_length(sigs); i++)
			fuzz_sig(json_object_array_get_idx(sigs, i));
	} else if (msg[0] == '\0')
		abort();
	if (json_object_object_get_ex(obj, "packages", &packages)) {
		field[0] = msg[0] = '\0';
		if (vuln_packages_check(packages, "data.packages", field,
		    sizeof(field), msg, sizeof(msg)) == -1 &&
		    (field[0] == '\0' || msg[0] == '\0'))
			abort();
	}
	json_object_put(obj);
	return 0;
}
