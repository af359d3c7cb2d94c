"""Writes rules/semgrep/python-taint-injection.yaml and python-taint-web.yaml (the taint rules share their
sources and sanitizers, kept once here), and python-taint-reach.yaml (evidence rules). Run: python scripts/gen_taint_rules.py rules/semgrep"""
# ruff: noqa: E501  (rule patterns and messages read best on one line each)
import re
import sys

import yaml

SRC_ATTRS = ("args|form|values|json|get_json|data|get_data|cookies|headers|files|path|full_path|url|"
             "base_url|query_string|environ|view_args|stream|GET|POST|COOKIES|META|FILES|body|REQUEST|"
             "query_params|path_params")

# `x = <input>` overwritten at once in a branch that is always taken (semgrep's constant folding turns
# `if 7 * 6 > 40:` or `if not False:` into `if True:`; `len("abc") == 3` or a module constant it cannot fold)
DEAD = "$V = $E\nif True:\n  $V = $N\n  ...\n"
DEAD_OR = "$V = $E\nif $C or True:\n  $V = $N\n  ...\n"
# A parameter is a source only where it is a request's (semgrep: focus-metavariable on the parameter, not
# `pattern: $P`, which matched every identifier of every function and cost more than the rest of a rule).
# Every source names a literal (request, route, fastapi/flask, input, argv): semgrep reads a taint rule only in
# files that hold a literal of its sources and one of its sinks, so a source without one (`@$APP.$ROUTE(...)`)
# made every file with a sink literal (open, execute, ...) pay for the whole dataflow analysis.
ROUTE_PARAMS = {"patterns": [
    {"pattern-either": [
        {"pattern-inside": "@$APP.route(...)\ndef $F(..., $P, ...):\n  ...\n"},
        {"pattern-inside": "@$APP.route(...)\nasync def $F(..., $P, ...):\n  ...\n"},
        {"patterns": [
            {"pattern-either": [
                {"pattern-inside": "from fastapi import $MOD\n...\n"},
                {"pattern-inside": "import fastapi\n...\n"},
                {"pattern-inside": "from flask import $MOD\n...\n"},
                {"pattern-inside": "import flask\n...\n"},
            ]},
            {"pattern-either": [
                {"pattern-inside": "@$APP.$ROUTE(...)\ndef $F(..., $P, ...):\n  ...\n"},
                {"pattern-inside": "@$APP.$ROUTE(...)\nasync def $F(..., $P, ...):\n  ...\n"},
            ]},
            {"metavariable-regex": {"metavariable": "$ROUTE",
                                    "regex": "^(get|post|put|patch|delete|api_route|websocket)$"}}]},
    ]},
    {"focus-metavariable": "$P"},
]}
VIEW_DECORATORS = ("csrf_exempt|csrf_protect|requires_csrf_token|ensure_csrf_cookie|login_required|"
                   "permission_required|user_passes_test|staff_member_required|require_http_methods|require_GET|"
                   "require_POST|require_safe|api_view|never_cache|cache_page|cache_control|vary_on_headers|"
                   "vary_on_cookie|xframe_options_exempt|xframe_options_deny|xframe_options_sameorigin|"
                   "sensitive_post_parameters|gzip_page|condition|etag|last_modified")
VIEW_RESPONSES = ("render|render_to_response|HttpResponse|JsonResponse|redirect|HttpResponseRedirect|"
                  "HttpResponsePermanentRedirect|TemplateResponse|FileResponse|StreamingHttpResponse|"
                  "HttpResponseNotFound|HttpResponseBadRequest|HttpResponseForbidden|Response")
# A Django view's URL parameters: a function whose first parameter is `request` and that is a view by a view
# decorator, by returning a response, or by being named in the same file's urlpatterns; and the handler
# methods of a class-based view (self, request, ...). A helper that merely takes the request (translation,
# caching, messages, the test client) is not one.
DJANGO_VIEW_PARAMS = {"patterns": [
    {"pattern-either": [
        {"patterns": [
            {"pattern-either": [
                {"pattern-inside": "@$DEC(...)\ndef $F(request, ..., $P, ...):\n  ...\n"},
                {"pattern-inside": "@$DEC\ndef $F(request, ..., $P, ...):\n  ...\n"},
            ]},
            {"metavariable-regex": {"metavariable": "$DEC", "regex": f"^({VIEW_DECORATORS})$"}}]},
        {"patterns": [
            {"pattern-inside": "def $F(request, ..., $P, ...):\n  ...\n  return $RESP(...)\n"},
            {"metavariable-regex": {"metavariable": "$RESP", "regex": f"^({VIEW_RESPONSES})$"}}]},
        {"pattern-inside": "def $F(request, ..., $P, ...):\n  ...\n...\nurlpatterns = [..., $PATH($R, $F, ...), ...]\n"},
        {"patterns": [
            {"pattern-inside": "class $C(...):\n  ...\n  def $M(self, request, ..., $P, ...):\n    ...\n"},
            {"metavariable-regex": {"metavariable": "$M",
                                    "regex": "^(get|post|put|patch|delete|head|options|dispatch)$"}}]},
    ]},
    {"focus-metavariable": "$P"},
]}

REMOTE_SOURCES = [
    {"patterns": [
        {"pattern-either": [
            {"pattern": "flask.request.$ATTR"},
            {"pattern": "request.$ATTR"},
            {"pattern": "$SELF.request.$ATTR"},
        ]},
        {"metavariable-regex": {"metavariable": "$ATTR", "regex": f"^({SRC_ATTRS})$"}},
    ]},
    ROUTE_PARAMS,
    DJANGO_VIEW_PARAMS,
]
# The local user (input(), sys.argv) is a source for the classes where a command-line tool can be attacked
# through it (SQL, shell, eval, deserialisation, LDAP, XPath, weak hashes), not for files, HTML responses,
# redirects or the session: a local user choosing a file or writing their own page crosses no boundary (and
# "input" is in every Django forms file, which then paid for the analysis).
LOCAL_SOURCES = [
    {"patterns": [{"pattern": "input(...)"}, {"pattern-not-inside": DEAD}, {"pattern-not-inside": DEAD_OR}]},
    {"pattern": "sys.argv"},
]
WEB_SOURCES = [*REMOTE_SOURCES, *LOCAL_SOURCES]


def checked(conditions):
    """A variable tested by a rejecting `if` (`if x not in ALLOWED: abort()`): sanitized from the test on (by
    side effect, on the variable in the condition; cheaper than `pattern-inside` + `pattern: $X`, which
    semgrep matches against every expression of every file)."""
    return {"by-side-effect": True, "patterns": [
        {"pattern-either": [{"pattern": f"if {c}:\n  ...\n"} for c in conditions]},
        {"focus-metavariable": "$X"}]}


def checked_inside(conditions):
    """A variable tested by an accepting `if` (`if x in ALLOWED: use(x)`): sanitized inside that branch only,
    never in its else branch or after it (a flow there is a real one: never traded for speed)."""
    return {"patterns": [
        {"pattern-either": [{"pattern-inside": f"if {c}:\n  ...\n"} for c in conditions]},
        {"pattern": "$X"}]}


COMMON_SANITIZERS = [
    {"pattern-either": [
        {"pattern": "int(...)"}, {"pattern": "float(...)"}, {"pattern": "bool(...)"}, {"pattern": "len(...)"},
        {"pattern": "uuid.UUID(...)"},
    ]},
    checked(["$X not in $ALLOW", "not re.fullmatch($RE, $X)"]),
    checked_inside(["$X in $ALLOW", "$X.isdigit()", "$X.isalnum()", "re.fullmatch($RE, $X)"]),
    {"patterns": [  # a constant table looked up by the input: the value is the table's
        {"pattern-either": [{"pattern": "$TABLE[$K]"}, {"pattern": "$TABLE.get($K, ...)"}]},
        {"metavariable-regex": {"metavariable": "$TABLE", "regex": "^[A-Z][A-Z0-9_]*$"}},
    ]},
    {"patterns": [{"pattern-either": [{"pattern": DEAD}, {"pattern": DEAD_OR}]},  # the dead value (a source
                  {"focus-metavariable": "$E"}]},  # that is all of it, input(), wins: not-inside there)
]


def meta(cwe, owasp, refs, confidence="HIGH", impact="HIGH", cls=None):
    return {"cwe": cwe, "owasp": owasp, "category": "security", "subcategory": ["vuln"],
            "confidence": confidence, "likelihood": "HIGH", "impact": impact, "references": refs,
            "secscan-evidence": "taint", **({"secscan-class": cls} if cls else {})}


CALLEE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\(")


def call_guard(patterns):
    """A whole-file regex that the sink's callees are called in it (`eval(`, `.execute(`). semgrep's file
    prefilter takes a literal as a substring ("exec" is in every file calling execute, "system" in
    FileSystemStorage): with this regex it reads the rule only where a callee is really called (Django:
    eval/exec in 4 files, not 113)."""
    names = sorted({m.group(1) for p in patterns for m in [CALLEE.search(p)] if m})
    return {"pattern-regex": "(?s)\\A(?=.*?\\b(?:" + "|".join(names) + ")\\s*\\().*\\Z"}


def focus(pattern, var="$X", extra=None):
    """A sink: the value $X of the patterns, in a file that calls one of their callees (a pattern whose callee is a
    metavariable, `subprocess.$F(...)`, goes without the file regex)."""
    pats = [pattern] if isinstance(pattern, str) else list(pattern)
    named = [p for p in pats if (m := CALLEE.search(p)) and not p[:m.start(1)].endswith("$")]
    rest = [p for p in pats if p not in named]
    out = []
    if named:
        out.append({"patterns": [call_guard(named), {"pattern-either": [{"pattern": p} for p in named]},
                                 *(extra or []), {"focus-metavariable": var}]})
    if rest:
        out.append({"patterns": [{"pattern-either": [{"pattern": p} for p in rest]}, *(extra or []),
                                 {"focus-metavariable": var}]})
    return out[0] if len(out) == 1 else {"pattern-either": out}


def imported(*modules):
    """Only in a module that imports one of these (semgrep's `import lxml` also matches `from lxml.etree
    import ...`): the sink's method names (search, find) are in every file, the module names are not."""
    return {"pattern-either": [{"pattern-inside": f"import {m}\n...\n"} for m in modules]}


A03 = ["A03:2021 - Injection"]


def rule(rid, message, cwe, owasp, refs, sinks, sanitizers=(), cls=None, severity="ERROR", impact="HIGH",
         sources=None):
    return {"id": f"secscan.python.taint-{rid}", "mode": "taint", "message": " ".join(message.split()),
            "severity": severity, "languages": ["python"],
            "metadata": meta(cwe, owasp, refs, impact=impact, cls=cls),
            "options": {"symbolic_propagation": True},
            "pattern-sources": sources or WEB_SOURCES,
            "pattern-sanitizers": [*sanitizers, *COMMON_SANITIZERS],
            "pattern-sinks": sinks}


INJECTION = [
    rule("sql-injection",
         """Input from the request (or the command line) reaches the text of an SQL statement without binding: SQL
         injection. Put placeholders in a constant statement and pass the values separately, e.g.
         cur.execute("SELECT * FROM t WHERE id = %s", (uid,)).""",
         ["CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"], A03,
         ["https://cwe.mitre.org/data/definitions/89.html",
          "https://cheatsheetseries.owasp.org/cheatsheets/Query_Parameterization_Cheat_Sheet.html"],
         [focus(["$C.execute($X, ...)", "$C.executemany($X, ...)", "$C.executescript($X, ...)",
                 "$C.exec_driver_sql($X, ...)", "$M.objects.raw($X, ...)", "$Q.raw($X, ...)",
                 "$Q.extra(..., where=$X, ...)", "$Q.extra(..., select=$X, ...)", "RawSQL($X, ...)",
                 "sqlalchemy.text($X, ...)", "pandas.read_sql($X, ...)",
                 "pd.read_sql($X, ...)", "pandas.read_sql_query($X, ...)", "pd.read_sql_query($X, ...)"]),
          {"patterns": [  # a bare text() is SQLAlchemy's only where it is imported ("text" is in every file)
              {"pattern-inside": "from sqlalchemy import $T\n...\n"},
              {"pattern": "text($X, ...)"},
              {"focus-metavariable": "$X"}]}],
         [{"pattern-either": [{"pattern": "$C.mogrify(...)"}, {"pattern": "psycopg2.sql.Identifier(...)"},
                              {"pattern": "sql.Identifier(...)"}, {"pattern": "sql.Literal(...)"}]}],
         cls="code-execution"),
    rule("command-injection",
         """Input from the request (or the command line) reaches a shell command: OS command injection. Pass an
         argument list without shell=True (subprocess.run(["tool", arg], check=True)), or quote each part
         with shlex.quote.""",
         ["CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"], A03,
         ["https://cwe.mitre.org/data/definitions/78.html",
          "https://docs.python.org/3/library/subprocess.html#security-considerations"],
         [focus(["os.system($X)", "os.popen($X, ...)", "subprocess.getoutput($X, ...)",
                 "subprocess.getstatusoutput($X, ...)", "commands.getoutput($X)", "commands.getstatusoutput($X)",
                 "subprocess.$F($X, ..., shell=True, ...)", "subprocess.$F(..., args=$X, ..., shell=True, ...)",
                 "asyncio.create_subprocess_shell($X, ...)", "pty.spawn($X, ...)",
                 "subprocess.$F([\"$SH\", \"-c\", $X, ...], ...)", "os.execl($SH, $SH2, \"-c\", $X, ...)"])],
         [{"pattern-either": [{"pattern": "shlex.quote(...)"}, {"pattern": "pipes.quote(...)"},
                              {"pattern": "shlex.join(...)"}]}],
         cls="code-execution"),
    rule("code-injection",
         """Input from the request (or the command line) is run as Python code or as a template (eval, exec,
         compile, render_template_string): code injection. Parse data with ast.literal_eval or json.loads,
         dispatch through a dict of allowed functions, and render constant templates with the input as a
         variable.""",
         ["CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')",
          "CWE-94: Improper Control of Generation of Code ('Code Injection')"], A03,
         ["https://cwe.mitre.org/data/definitions/95.html",
          "https://docs.python.org/3/library/ast.html#ast.literal_eval"],
         [focus(["eval($X, ...)", "exec($X, ...)", "compile($X, ...)", "builtins.eval($X, ...)",
                 "builtins.exec($X, ...)", "render_template_string($X, ...)", "flask.render_template_string($X, ...)",
                 "jinja2.Template($X, ...)", "Template($X, ...).render(...)", "$ENV.from_string($X, ...)"])],
         [{"pattern-either": [{"pattern": "ast.literal_eval(...)"}, {"pattern": "json.loads(...)"}]}],
         cls="code-execution"),
    rule("deserialization",
         """Input from the request (or the command line) is deserialised with a loader that can run code
         (pickle, yaml.load without SafeLoader, marshal, shelve, jsonpickle, dill): untrusted deserialisation.
         Use json, or yaml.safe_load, and sign data that must round-trip.""",
         ["CWE-502: Deserialization of Untrusted Data"], ["A08:2021 - Software and Data Integrity Failures"],
         ["https://cwe.mitre.org/data/definitions/502.html",
          "https://docs.python.org/3/library/pickle.html"],
         [focus(["pickle.loads($X, ...)", "pickle.load($X, ...)", "_pickle.loads($X, ...)", "cPickle.loads($X, ...)",
                 "pickle.Unpickler($X, ...)", "dill.loads($X, ...)", "dill.load($X, ...)", "marshal.loads($X, ...)",
                 "marshal.load($X, ...)", "shelve.open($X, ...)", "jsonpickle.decode($X, ...)",
                 "pandas.read_pickle($X, ...)", "pd.read_pickle($X, ...)", "yaml.unsafe_load($X, ...)",
                 "yaml.load($X)", "yaml.load_all($X)",
                 "yaml.load($X, Loader=yaml.Loader)", "yaml.load($X, Loader=yaml.UnsafeLoader)",
                 "yaml.load($X, Loader=yaml.FullLoader)", "yaml.load($X, Loader=Loader)",
                 "yaml.load($X, Loader=UnsafeLoader)", "yaml.load($X, yaml.Loader)",
                 "yaml.load($X, yaml.UnsafeLoader)", "yaml.load_all($X, Loader=yaml.Loader)"])],
         cls="code-execution"),
    rule("ldap-injection",
         """Input from the request (or the command line) reaches an LDAP search filter unescaped: LDAP injection.
         Escape each value with ldap.filter.escape_filter_chars (python-ldap) or
         ldap3.utils.conv.escape_filter_chars, or build the filter with ldap.filter.filter_format.""",
         ["CWE-90: Improper Neutralization of Special Elements used in an LDAP Query ('LDAP Injection')"], A03,
         ["https://cwe.mitre.org/data/definitions/90.html",
          "https://cheatsheetseries.owasp.org/cheatsheets/LDAP_Injection_Prevention_Cheat_Sheet.html"],
         [focus(["$C.search_s($B, $S, $X, ...)", "$C.search($B, $S, $X, ...)", "$C.search_st($B, $S, $X, ...)",
                 "$C.search_ext($B, $S, $X, ...)", "$C.search_ext_s($B, $S, $X, ...)",
                 "$C.search(..., search_filter=$X, ...)", "$C.search(..., filterstr=$X, ...)",
                 "$C.search_s(..., filterstr=$X, ...)"],
                extra=[{"pattern-not": "$C.search($B, $S, \"...\", ...)"}, imported("ldap", "ldap3")]),
          {"patterns": [
              {"pattern-inside": "$C = ldap3.Connection(...)\n...\n"},
              {"pattern": "$C.search($B, $X, ...)"},
              {"focus-metavariable": "$X"}]}],
         [{"pattern-either": [{"pattern": "escape_filter_chars(...)"}, {"pattern": "ldap.filter.escape_filter_chars(...)"},
                              {"pattern": "ldap3.utils.conv.escape_filter_chars(...)"},
                              {"pattern": "filter_format(...)"}, {"pattern": "ldap.filter.filter_format(...)"}]}]),
    rule("xpath-injection",
         """Input from the request (or the command line) is written into an XPath expression: XPath injection.
         Pass it as an XPath variable (tree.xpath("//user[@name=$name]", name=value)) instead.""",
         ["CWE-643: Improper Neutralization of Data within XPath Expressions ('XPath Injection')"], A03,
         ["https://cwe.mitre.org/data/definitions/643.html",
          "https://lxml.de/xpathxslt.html#the-xpath-method"],
         [focus(["$T.xpath($X, ...)", "etree.XPath($X, ...)", "lxml.etree.XPath($X, ...)", "$T.findall($X, ...)",
                 "$T.iterfind($X, ...)", "$T.findtext($X, ...)", "$T.find($X, ...)",
                 "etree.ETXPath($X, ...)", "$T.evaluate($X, ...)"],
                extra=[imported("lxml", "xml", "defusedxml", "elementpath"),
                       {"pattern-not": "re.$FN(...)"}, {"pattern-not": "$S.find($X)"},
                       {"pattern-not": "$S.find($X, $N)"}]),
          ]),
]


def web_rules():
    return [
        rule("path-traversal",
             """Input from the request names a file that is opened, sent or removed: path
             traversal ('../' leaves the folder). Keep only os.path.basename(name) (or
             werkzeug's secure_filename) and check that the resolved path stays in a fixed folder.""",
             ["CWE-22: Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')"],
             ["A01:2021 - Broken Access Control"],
             ["https://cwe.mitre.org/data/definitions/22.html",
              "https://owasp.org/www-community/attacks/Path_Traversal"],
             [focus(["open($X, ...)", "io.open($X, ...)", "codecs.open($X, ...)", "os.open($X, ...)",
                     "send_file($X, ...)", "flask.send_file($X, ...)", "FileResponse($X, ...)",
                     "os.remove($X)", "os.unlink($X)", "os.rmdir($X)", "shutil.rmtree($X, ...)",
                     "shutil.copy($X, ...)", "shutil.copyfile($X, ...)", "os.listdir($X)",
                     "pathlib.Path($X, ...).$M(...)", "Path($X, ...).$M(...)", "Path($A, $X, ...).$M(...)",
                     "tarfile.open($X, ...)", "zipfile.ZipFile($X, ...)"],
                    extra=[{"pattern-not": "open(\"...\", ...)"}])],
             [{"pattern-either": [{"pattern": "os.path.basename(...)"}, {"pattern": "secure_filename(...)"},
                                  {"pattern": "werkzeug.utils.secure_filename(...)"}, {"pattern": "safe_join(...)"},
                                  {"pattern": "werkzeug.utils.safe_join(...)"},
                                  {"pattern": "send_from_directory(...)"}]},
              checked(["$X.startswith($BASE)", "not $X.startswith($BASE)", "$X.is_relative_to($BASE)",
                       "not $X.is_relative_to($BASE)", "os.path.commonpath([$BASE, $X]) == $BASE2",
                       "os.path.commonpath([$BASE, $X]) != $BASE2"])],
             impact="HIGH", sources=REMOTE_SOURCES),
        rule("xss",
             """Input from the request is written into an HTML response without escaping
             (a returned string, make_response, Response, HttpResponse, Markup, mark_safe): cross-site
             scripting. Render a template (autoescaped), or escape with markupsafe.escape / html.escape.""",
             ["CWE-79: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"], A03,
             ["https://cwe.mitre.org/data/definitions/79.html",
              "https://flask.palletsprojects.com/en/latest/security/#cross-site-scripting-xss"],
             [focus(["make_response($X, ...)", "flask.make_response($X, ...)", "Response($X, ...)",
                     "flask.Response($X, ...)", "HttpResponse($X, ...)", "HTMLResponse($X, ...)",
                     "Markup($X, ...)", "markupsafe.Markup($X, ...)", "mark_safe($X, ...)",
                     "SafeString($X, ...)", "format_html($X, ...)"],
                    extra=[{"pattern-not": "Response($Y, ..., mimetype=\"...\", ...)"},
                           {"pattern-not": "Response($Y, ..., content_type=\"...\", ...)"},
                           {"pattern-not": "HttpResponse($Y, ..., content_type=\"...\", ...)"}]),
              {"patterns": [
                  {"pattern-either": [
                      {"pattern-inside": "@$APP.route(...)\ndef $F(...):\n  ...\n"},
                      {"pattern-inside": "@$APP.route(...)\nasync def $F(...):\n  ...\n"}]},
                  {"pattern": "return $X"},
                  {"pattern-not": "return $FN(...)"},
                  {"focus-metavariable": "$X"}]}],
             [{"pattern-either": [{"pattern": "escape(...)"}, {"pattern": "html.escape(...)"},
                                  {"pattern": "markupsafe.escape(...)"}, {"pattern": "flask.escape(...)"},
                                  {"pattern": "bleach.clean(...)"}, {"pattern": "render_template(...)"},
                                  {"pattern": "flask.render_template(...)"}, {"pattern": "jsonify(...)"},
                                  {"pattern": "json.dumps(...)"}, {"pattern": "redirect(...)"},
                                  {"pattern": "url_for(...)"}, {"pattern": "urllib.parse.quote(...)"},
                                  {"pattern": "quote(...)"}, {"pattern": "conditional_escape(...)"},
                                  {"pattern": "django.utils.html.escape(...)"}]}],
             impact="MEDIUM", sources=REMOTE_SOURCES),
        rule("open-redirect",
             """Input from the request decides where redirect() sends the browser: an
             open redirect (phishing through a trusted link). Redirect only to url_for(...) targets, to a fixed
             allow-list, or to paths checked with url_has_allowed_host_and_scheme.""",
             ["CWE-601: URL Redirection to Untrusted Site ('Open Redirect')"], ["A01:2021 - Broken Access Control"],
             ["https://cwe.mitre.org/data/definitions/601.html",
              "https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html"],
             [focus(["redirect($X, ...)", "flask.redirect($X, ...)", "HttpResponseRedirect($X, ...)",
                     "HttpResponsePermanentRedirect($X, ...)", "RedirectResponse($X, ...)",
                     "django.shortcuts.redirect($X, ...)"])],
             [{"pattern-either": [{"pattern": "url_for(...)"}, {"pattern": "reverse(...)"}]},
              checked(["url_has_allowed_host_and_scheme($X, ...)", "not url_has_allowed_host_and_scheme($X, ...)",
                       "is_safe_url($X, ...)", "urlparse($X).netloc == $H", "urlparse($X).netloc in $HS"]),
              {"patterns": [  # a fixed local prefix: the host cannot change
                  {"pattern-either": [{"pattern": "$S + $Y"}, {"pattern": "\"$S\".format(...)"}, {"pattern": "$S % $Y"}]},
                  {"metavariable-regex": {"metavariable": "$S", "regex": "^[\"']/[A-Za-z0-9_-]"}}]},
              {"patterns": [
                  {"pattern": "f\"$S\""},
                  {"metavariable-regex": {"metavariable": "$S", "regex": "^/[A-Za-z0-9_-]"}}]}],
             impact="MEDIUM", sources=REMOTE_SOURCES),
        rule("trust-boundary",
             """Input from the request is stored in the session unchecked: the session is
             trusted later, so this crosses a trust boundary. Validate the value against an allow-list or a type
             before storing it.""",
             ["CWE-501: Trust Boundary Violation"], ["A04:2021 - Insecure Design"],
             ["https://cwe.mitre.org/data/definitions/501.html"],
             [{"patterns": [{"pattern-either": [{"pattern": "session[$K] = $V"}, {"pattern": "$R.session[$K] = $V"},
                                                {"pattern": "flask.session[$K] = $V"}]},
                            {"focus-metavariable": "$V"}]},
              {"patterns": [{"pattern-either": [{"pattern": "session[$K] = $V"}, {"pattern": "$R.session[$K] = $V"}]},
                            {"focus-metavariable": "$K"}]},
              focus(["session.update($X)", "$R.session.update($X)", "session.setdefault($K, $X)"])],
             severity="WARNING", impact="MEDIUM", sources=REMOTE_SOURCES),
        rule("insecure-random",
             """A value from the random module (not a cryptographic generator) becomes a security value (a
             token, password, key, cookie or session value): predictable (CWE-330). Use secrets.token_hex(),
             secrets.token_urlsafe() or secrets.SystemRandom().""",
             ["CWE-338: Use of Cryptographically Weak Pseudo-Random Number Generator (PRNG)", "CWE-330: Use of Insufficiently Random Values"],
             ["A02:2021 - Cryptographic Failures"],
             ["https://cwe.mitre.org/data/definitions/330.html", "https://docs.python.org/3/library/secrets.html"],
             [focus(["$R.set_cookie($K, $X, ...)", "$R.set_cookie($K, value=$X, ...)", "session[$K] = $X",
                     "$R.session[$K] = $X", "$R.headers[$K] = $X"]),
              {"patterns": [{"pattern": "$NAME = $X"},
                            {"metavariable-regex": {"metavariable": "$NAME",
                                                    "regex": "(?i).*(token|secret|passw|nonce|salt|otp|pin|api_?key|session|csrf|cookie|remember).*"}},
                            {"focus-metavariable": "$X"}]},
              {"patterns": [{"pattern-inside": "def $FN(...):\n  ...\n"},
                            {"metavariable-regex": {"metavariable": "$FN",
                                                    "regex": "(?i).*(token|secret|passw|nonce|salt|otp|pin|api_?key|session|csrf).*"}},
                            {"pattern": "return $X"},
                            {"focus-metavariable": "$X"}]}],
             [],
             severity="WARNING", impact="MEDIUM",
             sources=[{"patterns": [{"pattern": "random.$F(...)"}, {"pattern-not-inside": DEAD},
                                    {"pattern-not-inside": DEAD_OR},
                                    {"metavariable-regex": {"metavariable": "$F",
                                                            "regex": "^(random|randint|randrange|choice|choices|sample|getrandbits|uniform|randbytes|shuffle)$"}}]}]),
        rule("weak-password-hash",
             """A password, token or secret (or request input) is hashed with MD5 or SHA-1: a weak hash for a
             security value (CWE-328), fast to brute-force and broken for collisions. Hash passwords with
             hashlib.scrypt, hashlib.pbkdf2_hmac or argon2/bcrypt; use SHA-256 or HMAC for tokens.""",
             ["CWE-328: Use of Weak Hash", "CWE-916: Use of Password Hash With Insufficient Computational Effort",
              "CWE-327: Use of a Broken or Risky Cryptographic Algorithm"],
             ["A02:2021 - Cryptographic Failures"],
             ["https://cwe.mitre.org/data/definitions/328.html",
              "https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html"],
             [focus(["hashlib.md5($X, ...)", "hashlib.sha1($X, ...)", "hashlib.new(\"md5\", $X, ...)",
                     "hashlib.new(\"sha1\", $X, ...)", "md5($X, ...)", "sha1($X, ...)"],
                    extra=[{"pattern-not": "$F(..., usedforsecurity=False, ...)"}]),
              {"patterns": [
                  {"pattern-either": [
                      {"pattern-inside": "$H = hashlib.md5()\n...\n"},
                      {"pattern-inside": "$H = hashlib.sha1()\n...\n"},
                      {"pattern-inside": "$H = hashlib.new(\"md5\")\n...\n"},
                      {"pattern-inside": "$H = hashlib.new(\"sha1\")\n...\n"}]},
                  {"pattern": "$H.update($X)"},
                  {"focus-metavariable": "$X"}]}],
             [],
             severity="WARNING", impact="MEDIUM",
             sources=[*WEB_SOURCES,
                      {"patterns": [{"pattern-either": [{"pattern": "$NAME"}, {"pattern": "$O.$NAME"}]},
                                    {"metavariable-regex": {"metavariable": "$NAME",
                                                            "regex": "(?i)^.*(passw|pwd|token|secret|api_?key).*$"}}]}]),
    ]


class Dumper(yaml.SafeDumper):
    pass


def str_presenter(dumper, data):
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


Dumper.add_representer(str, str_presenter)

HEADER = {
    "injection": "# secscan bundled semgrep taint rules: untrusted input into code-execution sinks (SQL, shell, eval,\n"
                 "# deserialisation) and into LDAP/XPath queries. Sources: Flask/Django/FastAPI request data and\n"
                 "# route parameters, input(), sys.argv. Intraprocedural, with semgrep's constant propagation.\n",
    "web": "# secscan bundled semgrep taint rules: untrusted input into files, HTML responses, redirects and the\n"
           "# session; the random module into security values. Same sources as python-taint-injection.yaml.\n",
}

# Classes whose pattern hits (bandit, secscan pattern rules) the taint rule supersedes where it found no flow:
# their reach rules say whether a function parameter reaches the sink (data from a caller, which an
# intraprocedural analysis cannot see); such a pattern hit is never superseded. Read by results/evidence.py.
REACH_CLASSES = ("sql-injection", "command-injection", "code-injection", "deserialization", "xss",
                 "weak-password-hash")
PARAM_SOURCES = [{"patterns": [
    {"pattern-either": [{"pattern-inside": "def $F(..., $P, ...):\n  ...\n"},
                        {"pattern-inside": "async def $F(..., $P, ...):\n  ...\n"}]},
    {"focus-metavariable": "$P"}]}]


# A reach rule needs only the sinks of the pattern hits its class supersedes (bandit B102/B307 eval/exec,
# B308/B703/B704 mark_safe/Markup): the taint rule's template and response sinks (compile is in every file that
# calls re.compile, HttpResponse in most of Django) made it analyse most files with every parameter tainted.
REACH_SINKS = {
    "code-injection": [focus(["eval($X, ...)", "exec($X, ...)", "builtins.eval($X, ...)", "builtins.exec($X, ...)"])],
    "xss": [focus(["Markup($X, ...)", "markupsafe.Markup($X, ...)", "mark_safe($X, ...)", "SafeString($X, ...)",
                   "django.utils.safestring.mark_safe($X, ...)"])],
}


def reach_rules(rules):
    out = []
    for r in rules:
        cls = r["id"].removeprefix("secscan.python.taint-")
        if cls not in REACH_CLASSES:
            continue
        meta = {**r["metadata"], "secscan-evidence": "reach", "confidence": "LOW", "impact": "LOW"}
        out.append({**r, "id": f"secscan.python.reach-{cls}", "severity": "INFO", "metadata": meta,
                    "message": (f"Evidence rule for {r['id']} (never reported on its own): a parameter of the "
                                "enclosing function reaches this sink, so data from a caller may reach it; a "
                                "pattern hit here is not superseded by the taint analysis."),
                    "pattern-sources": PARAM_SOURCES, "pattern-sinks": REACH_SINKS.get(cls, r["pattern-sinks"])})
    return out


if __name__ == "__main__":
    out = sys.argv[1]
    every = [*INJECTION, *web_rules()]
    HEADER["reach"] = ("# secscan evidence rules (semgrep mode: taint): does a function parameter reach a sink of a\n"
                       "# class whose pattern hits the taint rules supersede? Consumed by secscan/results/evidence.py,\n"
                       "# never reported as findings. Generated with the taint rules (scripts/gen_taint_rules.py).\n")
    for name, rules in (("injection", INJECTION), ("web", web_rules()), ("reach", reach_rules(every))):
        text = yaml.dump({"rules": rules}, Dumper=Dumper, sort_keys=False, width=110)
        with open(f"{out}/python-taint-{name}.yaml", "w") as fh:
            fh.write(HEADER[name] + text)
