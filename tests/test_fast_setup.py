"""The test set-up's shortcuts (tests/fast_setup.py) give what Werkzeug and Jinja would."""

from werkzeug.routing import Rule

from tests.fast_setup import no_database


def _compiled(rule: Rule) -> tuple:
    converters = {name: (type(c), c.regex, c.map) for name, c in rule._converters.items()}
    return rule._parts, rule._trace, converters, rule.arguments


@no_database
def test_every_rule_of_a_later_app_compiles_as_werkzeug_compiles_it(app):
    werkzeug_compile = Rule.compile.original  # conftest has memoised it; apps before this one
    for rule in app.url_map.iter_rules():  # filled the cache, so these rules came from it
        fresh = rule.empty()
        fresh.map = app.url_map
        werkzeug_compile(fresh)
        assert _compiled(fresh) == _compiled(rule), rule.rule


@no_database
def test_a_later_apps_templates_render_as_a_fresh_compile_renders_them(app):
    environment = app.jinja_env
    assert environment.bytecode_cache is not None
    with app.test_request_context("/"):
        for name in ("_head_assets.html", "_nav_links.html"):
            kept = environment.get_template(name)
            fresh = environment.from_string(environment.loader.get_source(environment, name)[0])
            for staff in (False, True):
                assert kept.render(staff=staff, current=None) == fresh.render(staff=staff)
