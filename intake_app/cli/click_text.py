"""Click's own texts (usage, help headings, usage errors, prompts) in the person's language.

Click words these through the standard library's gettext: each of its modules does
``from gettext import gettext as _`` (and ``ngettext``), domain ``messages``. Plain
gettext only finds compiled ``.mo`` files through the ``LANGUAGE`` environment
variable, so instead of writing a file and changing the environment at start-up,
:func:`install` points those names in Click's modules at :func:`gettext` here, which
looks the English text up in :data:`SPANISH` while the language is Spanish (at call
time: ``--lang`` can change it after the modules were imported) and returns the
English text otherwise. It is Click's translation, like Qt's own ``.qm`` files: its
message ids are Click's, so it lives beside the code and not in our catalogs.

Every text here is Spanish only, as the project's own messages are, except those Click writes
into an option's help column (``--help``, ``--version``): there every option's own text reads
"Spanish / English", so these do too (with ``--lang en``, Click's English as it is).

A Spanish text may use fewer placeholders than Click's (never others: Click fills
them by name with ``str.format``) and may quote with «» instead of ``!r``.

A few words are not gettext texts in Click: the usage line's ``[OPTIONS]`` and
``COMMAND [ARGS]...`` (fixed when a command is made) and a value's type name in the help
(``TEXT``, ``FILE``, ``INTEGER RANGE``; a class attribute, or fixed when the type is made).
:func:`install` words them at call time too, through :data:`USAGE` and :data:`TYPE_NAMES`.
"""

from __future__ import annotations

import gettext as _gettext
import importlib
import os
import sys

from .. import i18n

SPANISH = {
    # help
    "Usage:": "Uso:",
    "Options": "Opciones",
    "Commands": "Comandos",
    "Positional arguments": "Argumentos",
    # an option's own text, in the column where every other option's reads "Spanish / English"
    "Show this message and exit.": "Muestra esta ayuda y sale / show this help and exit.",
    "Show the version and exit.": "Muestra la versión y sale / show the version and exit.",
    "required": "obligatorio",
    "default: {default}": "por omisión: {default}",
    "env var: {var}": "variable de entorno: {var}",
    "(dynamic)": "(variable)",
    "deprecated": "obsoleto",
    # errors
    "Error: {message}": "Error: {message}",
    "Try '{command} {option}' for help.": "Escriba «{command} {option}» para ver la ayuda.",
    "Aborted!": "Cancelado.",
    "Missing command.": "Falta el comando.",
    "Missing argument": "Falta el argumento",
    "Missing option": "Falta la opción",
    "Missing parameter": "Falta un valor",
    "Missing {param_type}": "Falta {param_type}",
    "Missing parameter: {param_name}": "Falta un valor: {param_name}",
    "No such command {name!r}.": "No existe el comando «{name}».",
    "No such option {name!r}.": "No existe la opción «{name}».",
    "Did you mean {possibility}?": "¿Quiso decir {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(¿Quiso decir alguna de estas: {possibilities}?)",
    "Got unexpected extra argument ({args})": "Sobra un argumento ({args})",
    "Got unexpected extra arguments ({args})": "Sobran argumentos ({args})",
    "Invalid value: {message}": "Valor no válido: {message}",
    "Invalid value for {param_hint}: {message}": "Valor no válido para {param_hint}: {message}",
    "Option {name!r} does not take a value.": "La opción «{name}» no lleva valor.",
    "Option {name!r} requires an argument.": "La opción «{name}» necesita un valor.",
    "Option {name!r} requires {nargs} arguments.": "La opción «{name}» necesita {nargs} valores.",
    "Argument {name!r} takes {nargs} values.": "El argumento «{name}» lleva {nargs} valores.",
    "Takes {nargs} values but 1 was given.": "Lleva {nargs} valores, pero se dio 1.",
    "Takes {nargs} values but {len} were given.": "Lleva {nargs} valores, pero se dieron {len}.",
    "Value must be an iterable.": "El valor debe ser una lista.",
    "unknown error": "error desconocido",
    "Could not open file {filename!r}: {message}": "No se pudo abrir el archivo «{filename}»: {message}",
    # values
    "{value!r} is not {choice}.": "«{value}» no es un valor válido; debe ser {choice}.",
    "{value!r} is not one of {choices}.": "«{value}» no es un valor válido; elija uno de: {choices}.",
    "Choose from:\n\t{choices}": "Elija uno de:\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "«{value}» no es un número válido.",
    "{value} is not in the range {range}.": "{value} no está en el intervalo {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "«{value}» no es un valor de sí o no. Valores admitidos: {states}",
    "{value!r} is not a valid UUID.": "«{value}» no es un UUID válido.",
    "{value!r} does not match the format {format}.": "«{value}» no tiene el formato {format}.",
    "{value!r} does not match the formats {formats}.": "«{value}» no tiene ninguno de los formatos {formats}.",
    # paths ({name} is "File", "Directory" or "Path", set when the command is defined: left out)
    "{name} {filename!r} does not exist.": "«{filename}» no existe.",
    "{name} {filename!r} is a file.": "«{filename}» es un archivo, no una carpeta.",
    "{name} {filename!r} is a directory.": "«{filename}» es una carpeta, no un archivo.",
    "{name} {filename!r} is not readable.": "No se puede leer «{filename}».",
    "{name} {filename!r} is not writable.": "No se puede escribir en «{filename}».",
    "{name} {filename!r} is not executable.": "«{filename}» no es ejecutable.",
    # prompts (ours have their own checks: common.prompt_new_secret, Context.vault)
    "Repeat for confirmation": "Repita para confirmar",
    "Error: The two entered values do not match.": "Error: los dos valores escritos no coinciden.",
    "Error: invalid input": "Error: valor no válido",
    "Do you want to continue?": "¿Desea continuar?",
}

# the usage line's pieces that Click does not word through gettext
USAGE = {
    "[OPTIONS]": "[OPCIONES]",
    "COMMAND [ARGS]...": "COMANDO [ARGUMENTOS]...",
    "[COMMAND] [ARGS]...": "[COMANDO] [ARGUMENTOS]...",
    "COMMAND1 [ARGS]... [COMMAND2 [ARGS]...]...": "COMANDO1 [ARGUMENTOS]... [COMANDO2 [ARGUMENTOS]...]...",
    "[COMMAND1] [ARGS]... [COMMAND2 [ARGS]...]...": "[COMANDO1] [ARGUMENTOS]... [COMANDO2 [ARGUMENTOS]...]...",
}

# a value's type in the help (``--home CARPETA``), by the type's English name; a range's
# bounds are shown beside its help text ([1<=x<=64])
TYPE_NAMES = {
    "text": "texto",
    "integer": "entero",
    "integer range": "entero",
    "float": "número",
    "float range": "número",
    "boolean": "sí/no",
    "file": "archivo",
    "filename": "archivo",
    "directory": "carpeta",
    "path": "ruta",
}

# an argument's name in the usage line and in "Falta el argumento …" (Click shows the parameter's
# name in capitals): the project's arguments, by name
ARGUMENT_NAMES = {
    "username": "usuario",
    "device_id": "id_equipo",
    "package_id": "id_paquete",
    "case_id": "id_caso",
    "key": "institución",
    "file": "archivo",
    "name": "nombre",
    "code": "código",
    "backup_dir": "carpeta_copia",
    "text": "texto",
    "source": "origen",
    "out": "carpeta",
    "directory": "carpeta",
}

# Click's modules that word texts through gettext
MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
           "click.termui", "click.types")


def gettext(message: str) -> str:
    if i18n.language() == "es":
        return SPANISH.get(message, message)
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def _usage_pieces(original):
    def collect_usage_pieces(self, ctx):
        pieces = original(self, ctx)
        if i18n.language() == "es":
            pieces = [USAGE.get(piece, piece) for piece in pieces]
        return pieces
    collect_usage_pieces._intake_words = True
    return collect_usage_pieces


def _metavar(original):
    def make_metavar(self, ctx):
        if self.metavar is None and i18n.language() == "es" and self.type.get_metavar(param=self, ctx=ctx) is None:
            name = TYPE_NAMES.get(self.type.name)
            if name is not None:
                return name.upper() + ("..." if self.nargs != 1 else "")
        return original(self, ctx)
    make_metavar._intake_words = True
    return make_metavar


def _spanish_argument(param) -> str | None:
    if param.metavar is None and i18n.language() == "es":
        name = ARGUMENT_NAMES.get(param.name or "")
        return name.upper() if name else None
    return None


def _argument_metavar(original):
    def make_metavar(self, ctx):
        shown, spanish = original(self, ctx), _spanish_argument(self)
        return shown.replace((self.name or "").upper(), spanish, 1) if spanish else shown
    make_metavar._intake_words = True
    return make_metavar


def _argument_name(original):
    def human_readable_name(self):
        return _spanish_argument(self) or original.fget(self)
    human_readable_name._intake_words = True
    return property(human_readable_name)


def _word_usage_and_types() -> None:
    """Point the usage line's pieces and an option's type name at :data:`USAGE` and
    :data:`TYPE_NAMES` (idempotent)."""
    core = importlib.import_module("click.core")
    for cls, name, wrap in ((core.Command, "collect_usage_pieces", _usage_pieces),
                            (core.Group, "collect_usage_pieces", _usage_pieces),
                            (core.Parameter, "make_metavar", _metavar)):
        method = cls.__dict__[name]
        if not getattr(method, "_intake_words", False):
            setattr(cls, name, wrap(method))
    if not getattr(core.Argument.__dict__["make_metavar"], "_intake_words", False):  # arguments, by name
        core.Argument.make_metavar = _argument_metavar(core.Argument.__dict__["make_metavar"])
    readable = core.Argument.__dict__["human_readable_name"]
    if not getattr(readable.fget, "_intake_words", False):
        core.Argument.human_readable_name = _argument_name(readable)


def _terminal() -> bool:
    """Whether ``getpass`` can hide what is typed: a controlling terminal, or a terminal on stdin."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
        return True
    except OSError:
        return bool(sys.stdin and sys.stdin.isatty())


def hidden_prompt(prompt: str) -> str:
    """Click's hidden prompt without ``getpass``'s English warnings (``GetPassWarning``,
    "Password input may be echoed") when there is no terminal to hide the typing: a secret
    piped on stdin (a script, a service) is read as one line, and nothing is echoed."""
    import getpass

    if os.name != "posix" or _terminal():
        return getpass.getpass(prompt)
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    sys.stderr.write("\n")
    return line.rstrip("\r\n")


def install() -> None:
    """Word Click's texts through :func:`gettext` (and its usage line's pieces and type
    names through :data:`USAGE` and :data:`TYPE_NAMES`), and its hidden prompts through
    :func:`hidden_prompt` (idempotent; a test runner's own prompt functions are left)."""
    termui = importlib.import_module("click.termui")
    if getattr(termui.hidden_prompt_func, "__module__", None) == "click.termui":
        termui.hidden_prompt_func = hidden_prompt
    for name in MODULES:
        module = importlib.import_module(name)
        if getattr(module, "_", None) in (_gettext.gettext, gettext):
            module._ = gettext
        if getattr(module, "ngettext", None) in (_gettext.ngettext, ngettext):
            module.ngettext = ngettext
    _word_usage_and_types()


def reset_help_options(command) -> None:
    """Click builds a command's ``--help`` option once, with its text in the language of that
    moment, and keeps it (``_help_option``); forget it so this run words it afresh (one
    process may run several commands in several languages: tests, a shell)."""
    if getattr(command, "_help_option", None) is not None:
        command._help_option = None
    for sub in getattr(command, "commands", {}).values():
        reset_help_options(sub)

