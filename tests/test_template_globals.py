"""Templates' globals: a plain dict each, the environment's as set in `create_app`."""

from portal import create_app


def test_no_template_loads_while_the_app_is_made(app_config):
    # A template's globals are the environment's as they were when it loaded: none may load
    # before `create_app` has added them all.
    app = create_app(dict(app_config))
    assert len(app.jinja_env.cache) == 0
    assert {"csrf_token", "page_layout", "static_url", "url_for"} <= set(app.jinja_env.globals)


def test_a_templates_globals_are_a_dict_of_the_environments(app):
    template = app.jinja_env.get_template("garage/_home.html")
    # A dict is copied in C into each context a render makes; a ChainMap key by key.
    assert type(template.globals) is dict
    assert template.globals == app.jinja_env.globals
    assert template.globals is not app.jinja_env.globals


def test_a_templates_own_globals_stay_its_own(app):
    environment = app.jinja_env
    source = "{{ greeting }}, {{ plural(2, 'car') }}"
    own = environment.from_string(source, globals={"greeting": "Hello"})
    assert own.render() == "Hello, 2 cars"
    assert "greeting" not in environment.globals
    assert environment.from_string(source).render() == ", 2 cars"
    # A cached template asked for again with globals takes them; the environment does not.
    environment.get_template("garage/_home.html", globals={"greeting": "Hi"})
    assert environment.get_template("garage/_home.html").globals["greeting"] == "Hi"
    assert "greeting" not in environment.globals
