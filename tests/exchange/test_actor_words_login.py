"""Who prepared or imported a package, as the packages page says it: a command run at the
server's command line is audited ``operator:<login>`` (audit.operator_actor), and the page
names the server's operator and that login."""

from intake_app.server.exchange.manifest_words import person


def test_an_operator_with_a_login_is_named_with_it():
    assert person("operator:ana.admin", "es") == "operador(a) del servidor (ana.admin)"
    assert person("operator:ana.admin", "en").endswith("(ana.admin)")


def test_the_older_forms_read_as_before():
    assert person("operator", "es") == "operador(a) del servidor"
    assert person("user:maria.sup", "es") == "maria.sup"
    assert person(None, "es") == "-"
