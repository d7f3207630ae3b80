"""docs/config.md lists every directive the server answers CONFIG GET for."""
import pathlib

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "config.md"


def test_every_directive_in_config_get_star_is_documented_in_docs_config_md(server):
    reply = server.client().config_get("*")
    text = DOC.read_text()
    missing = sorted(name for name in reply if f"`{name}`" not in text)
    assert not missing, f"document these directives in docs/config.md: {missing}"
