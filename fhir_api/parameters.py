"""The search parameters of the FHIR API: one list, read by the searches (``fhir_api.search``), by
the edge (``Prefer: handling=lenient``) and by /fhir/metadata (``fhir_api.capability``). It imports
nothing of the API, so that each of them can."""

DEFAULT_COUNT = 20
MAX_COUNT = 100
PAGING = {"_count", "_offset"}
# What every search takes besides its own parameters (RESULT_PARAMETERS below documents them).
GENERAL = {*PAGING, "_format", "_summary", "_total", "_elements"}

_LAST_UPDATED = (
    "_lastUpdated",
    "date",
    "When the resource last changed (meta.lastUpdated), with prefixes eq, ge, gt, le, lt; repeatable.",
)
# Every search parameter the API supports, per resource type: what ``check_params`` accepts and
# what /fhir/metadata (``fhir_api.capability``) advertises — one list, so the two cannot differ.
# (name, FHIR search parameter type, what it does here)
_SUBJECT = (
    ("subject", "reference", "The patient: Patient/<id> (or the bare id). Required."),
    ("patient", "reference", "The same as subject."),
)
SEARCH_PARAMETERS = {
    "Patient": (
        ("identifier", "token", "National identity number: [system|]value (fødselsnummer or D-nummer)."),
        ("_id", "token", "The resource id."),
        _LAST_UPDATED,
    ),
    "Questionnaire": (
        ("url", "uri", "Canonical URL, optionally url|version; without a version the current one."),
        ("code", "token", "The instrument's LOINC code."),
        ("name", "string", "Computer-friendly name, exact (case-insensitive)."),
        ("title", "string", "Part of the title."),
        ("_id", "token", "The resource id."),
        _LAST_UPDATED,
    ),
    "Observation": (
        *_SUBJECT,
        ("derived-from", "reference", "QuestionnaireResponse/<id>: the scores of one response."),
        ("code", "token", "The instrument's total-score code (LOINC or SNOMED CT)."),
        ("date", "date", "When the score applies, with prefixes eq, ge, gt, le, lt; repeatable."),
        _LAST_UPDATED,
    ),
    "CareTeam": _SUBJECT,
    "Goal": (*_SUBJECT, ("lifecycle-status", "token", "Goal lifecycle status; comma means or."), _LAST_UPDATED),
    "CarePlan": (*_SUBJECT, ("status", "token", "Plan status (draft, active, revoked, completed, ...).")),
    "Appointment": (*_SUBJECT, ("status", "token", "Meeting status: booked, fulfilled, cancelled, ...")),
    "Composition": (
        *_SUBJECT,
        ("status", "token", "final, or amended (minutes that correct earlier ones)."),
        _LAST_UPDATED,
    ),
    "RelatedPerson": (
        ("patient", "reference", "The patient: Patient/<id> (or the bare id). Required."),
        ("subject", "reference", "The same as patient."),
    ),
    "Consent": (
        ("patient", "reference", "The patient: Patient/<id> (or the bare id). Required."),
        ("subject", "reference", "The same as patient."),
    ),
    "Group": (),  # the reader's Groups (fhir_api.cohorts): a few, each with its number of members
    "Task": (
        ("patient", "reference", "The patient: Patient/<id> (or the bare id); or search by owner."),
        ("subject", "reference", "The same as patient."),
        ("owner", "reference", "Practitioner/<id>: the actions one member is responsible for."),
        ("status", "token", "Task status; comma means or."),
        _LAST_UPDATED,
    ),
}
# Paging and result parameters every search takes.
RESULT_PARAMETERS = (
    ("_count", "number", f"Page size, at most {MAX_COUNT} (default {DEFAULT_COUNT})."),
    ("_offset", "number", "Rows to skip: the paging links use it."),
    ("_summary", "token", "count: only the total, no entries (false: the default)."),
    ("_total", "token", "none leaves the total out; estimate and accurate both give the exact total."),
    ("_elements", "string", "Comma-separated top-level elements to keep in each entry (marked SUBSETTED)."),
    ("_format", "token", "json, application/json or application/fhir+json: this server speaks JSON only."),
)


def lenient_params(params, resource_type):
    """``params`` without the names ``resource_type``'s search does not know (``Prefer: handling=lenient``)."""
    known = {name for name, _type, _doc in SEARCH_PARAMETERS[resource_type]} | GENERAL
    kept = params.copy()
    for name in set(params) - known:
        del kept[name]
    return kept
