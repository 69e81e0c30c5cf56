"""Security checks over the repository itself (issue 7).

* No Python file in the repository loads pickles or evaluates data: unpickling a file runs any
  code its author chose, so a model, checkpoint or dataset from elsewhere must never be read that
  way. Calls are found with ``ast``, so a comment or a string that mentions them does not count.
* A model card cannot point the integration at a file outside its own models folder.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from custom_components.home_anomaly.engine.model_card import ModelCardError, read_model_card

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "custom_components" / "home_anomaly" / "models"

# Importing these is already the problem: their whole job is (un)pickling.
PICKLE_MODULES = frozenset({"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "shelve", "marshal"})
# Calls that unpickle (or run code) whatever arguments they get.
ALWAYS_UNSAFE_CALLS = {
    "joblib.load": "joblib.load unpickles",
    "pandas.read_pickle": "read_pickle unpickles",
    "yaml.unsafe_load": "yaml.unsafe_load builds arbitrary objects",
    "yaml.unsafe_load_all": "yaml.unsafe_load_all builds arbitrary objects",
    "yaml.full_load": "yaml.full_load builds Python objects; use yaml.safe_load",
    "yaml.full_load_all": "yaml.full_load_all builds Python objects; use yaml.safe_load_all",
    "eval": "eval runs its argument as code",
    "exec": "exec runs its argument as code",
    "builtins.eval": "eval runs its argument as code",
    "builtins.exec": "exec runs its argument as code",
}
SAFE_YAML_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name → the dotted name it stands for (``np`` → ``numpy``, ``load`` → ``torch.load``)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    names[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, names: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None  # e.g. a method of a call's result: model().eval()
    return ".".join([names.get(node.id, node.id), *reversed(parts)])


def _keyword(call: ast.Call, name: str, position: int | None = None) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def _is_constant(node: ast.expr | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _call_problem(call: ast.Call, name: str) -> str | None:
    hidden = any(keyword.arg is None for keyword in call.keywords)  # **kwargs cannot be read from the source
    if name in ALWAYS_UNSAFE_CALLS:
        return ALWAYS_UNSAFE_CALLS[name]
    module, _, function = name.rpartition(".")
    if module.split(".")[0] in PICKLE_MODULES and function in {"load", "loads", "Unpickler", "open"}:
        return f"{name} unpickles"
    if name == "torch.load" and (hidden or not _is_constant(_keyword(call, "weights_only"), True)):
        return "torch.load without weights_only=True unpickles"
    if name == "numpy.load":
        allow = _keyword(call, "allow_pickle", 2)
        if hidden or (allow is not None and not _is_constant(allow, False)):
            return "numpy.load with allow_pickle unpickles object arrays"
    if name in {"yaml.load", "yaml.load_all"}:
        loader = _keyword(call, "Loader", 1)
        loader_name = _dotted(loader, {}) if loader is not None else None
        if loader_name is None or loader_name.rpartition(".")[2] not in SAFE_YAML_LOADERS:
            return f"{name} without a safe Loader builds arbitrary objects; use yaml.safe_load"
    if name in {"__import__", "importlib.import_module"} and call.args:
        target = call.args[0]
        if isinstance(target, ast.Constant) and str(target.value).split(".")[0] in PICKLE_MODULES:
            return f"imports {target.value} by name"
    return None


def scan_source(source: str, filename: str = "<snippet>") -> list[str]:
    """``filename:line: problem`` for each pickle load or code evaluation in ``source``."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as err:
        return [f"{filename}:{err.lineno}: cannot be parsed, so cannot be checked ({err.msg})"]
    names = _imported_names(tree)
    findings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level:
                continue  # the project's own modules
            for module in modules:
                if module.split(".")[0] in PICKLE_MODULES:
                    findings.append(f"{filename}:{node.lineno}: imports {module}, a pickle module")
            if isinstance(node, ast.ImportFrom) and node.module in {"joblib", "pandas"}:
                for alias in node.names:
                    problem = ALWAYS_UNSAFE_CALLS.get(f"{node.module}.{alias.name}")
                    if problem:
                        findings.append(f"{filename}:{node.lineno}: imports {node.module}.{alias.name} ({problem})")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func, names)
            problem = _call_problem(node, name) if name else None
            if problem:
                findings.append(f"{filename}:{node.lineno}: {problem}")
    return findings


def repository_python_files() -> list[Path]:
    """Every Python file git tracks, plus new ones it would commit (not ignored)."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "*.py"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({REPO / name for name in listing.split("\0") if name and (REPO / name).is_file()})


def test_no_python_file_in_the_repository_loads_pickles_or_evaluates_data() -> None:
    files = repository_python_files()
    # The walk must have found the code it protects, or an empty listing would pass.
    for expected in ("trainer/train.py", "custom_components/home_anomaly/engine/runtime.py", "simulator/live.py"):
        assert REPO / expected in files
    findings = []
    for path in files:
        found = scan_source(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
        if sys.version_info < (3, 13) and any("cannot be parsed" in finding for finding in found):
            # Home Assistant's side is Python 3.13 (``type X = ...``); this suite also runs in the
            # trainer's 3.11 environment, and the 3.13 run checks those files.
            continue
        findings += found
    assert findings == []


BAD_SNIPPETS = {
    "import pickle": "import pickle\n",
    "from pickle import loads": "from pickle import loads\n",
    "pickle.loads": "import pickle as p\nobj = p.loads(blob)\n",
    "dill": "import dill\n",
    "shelve": "import shelve\n",
    "joblib.load": "import joblib\nmodel = joblib.load('m.joblib')\n",
    "from joblib import load": "from joblib import load\nmodel = load('m.joblib')\n",
    "torch.load without weights_only": "import torch\nstate = torch.load('best.pt')\n",
    "torch.load weights_only=False": "import torch\nstate = torch.load('best.pt', weights_only=False)\n",
    "torch.load weights_only from a variable": "import torch\nstate = torch.load('best.pt', weights_only=flag)\n",
    "torch.load through **kwargs": "import torch\nstate = torch.load('best.pt', **options)\n",
    "from torch import load": "from torch import load\nstate = load('best.pt')\n",
    "np.load allow_pickle=True": "import numpy as np\na = np.load('a.npy', allow_pickle=True)\n",
    "numpy.load allow_pickle positional": "import numpy\na = numpy.load('a.npy', None, True)\n",
    "pd.read_pickle": "import pandas as pd\nframe = pd.read_pickle('f.pkl')\n",
    "pandas.read_pickle": "import pandas\nframe = pandas.read_pickle('f.pkl')\n",
    "yaml.load without Loader": "import yaml\ndata = yaml.load(text)\n",
    "yaml.load with the full Loader": "import yaml\ndata = yaml.load(text, Loader=yaml.Loader)\n",
    "yaml.unsafe_load": "import yaml\ndata = yaml.unsafe_load(text)\n",
    "eval": "value = eval(line)\n",
    "exec": "exec(payload)\n",
    "__import__ pickle": "p = __import__('pickle')\n",
    "importlib pickle": "import importlib\np = importlib.import_module('pickle')\n",
    "inside a function": "def restore(path):\n    import torch\n    return torch.load(path)\n",
}

SAFE_SNIPPETS = {
    "torch.load weights_only=True": "import torch\nstate = torch.load(path, map_location='cpu', weights_only=True)\n",
    "np.load default": "import numpy as np\na = np.load('a.npy')\n",
    "np.load allow_pickle=False": "import numpy as np\na = np.load('a.npy', allow_pickle=False)\n",
    "yaml.safe_load": "import yaml\ndata = yaml.safe_load(text)\n",
    "yaml.load SafeLoader": "import yaml\ndata = yaml.load(text, Loader=yaml.SafeLoader)\n",
    "model.eval()": "model = build()\nmodel.eval()\nbuild().eval()\n",
    "comments and strings": "# never pickle.load or eval( anything\nNOTE = 'torch.load(path) and import pickle'\n",
    "json and onnx": "import json, onnx\nconfig = json.loads(text)\ngraph = onnx.load('m.onnx')\n",
    "to_pickle is writing": "import pandas as pd\nframe.to_pickle('f.pkl')\n",
}


@pytest.mark.parametrize("snippet", BAD_SNIPPETS.values(), ids=BAD_SNIPPETS.keys())
def test_the_scanner_catches_a_planted_pickle_load(snippet: str) -> None:
    assert scan_source(snippet) != []


@pytest.mark.parametrize("snippet", SAFE_SNIPPETS.values(), ids=SAFE_SNIPPETS.keys())
def test_the_scanner_lets_safe_code_pass(snippet: str) -> None:
    assert scan_source(snippet) == []


def test_the_scanner_fails_the_real_checkpoint_loader_without_weights_only() -> None:
    # The trainer's own checkpoint loader, as it would read if someone dropped the guard.
    source = (REPO / "trainer" / "train.py").read_text(encoding="utf-8")
    assert "weights_only=True" in source
    assert scan_source(source) == []
    findings = scan_source(source.replace("weights_only=True", "weights_only=False"), "trainer/train.py")
    assert findings and all("torch.load without weights_only=True" in finding for finding in findings)


# --- The model card cannot send the integration outside its models folder -------------------


@pytest.fixture
def models(tmp_path: Path) -> Path:
    copy = tmp_path / "integration" / "models"
    shutil.copytree(MODELS, copy)
    return copy


def _point_card_at(folder: Path, model_file: str) -> None:
    card = json.loads((folder / "model_card.json").read_text())
    card["model_file"] = model_file
    (folder / "model_card.json").write_text(json.dumps(card))


@pytest.mark.parametrize(
    ("model_file", "planted"),
    [
        ("../evil.onnx", "evil.onnx"),  # beside the models folder
        ("sub/../../x.onnx", "x.onnx"),  # through a subfolder and out again
        ("/etc/passwd", None),
        ("ABSOLUTE", "outside/absolute.onnx"),  # an absolute path to a file that would hash right
    ],
)
def test_a_card_cannot_point_the_model_path_out_of_its_folder(
    models: Path, model_file: str, planted: str | None
) -> None:
    # A file outside with exactly the shipped model's bytes passes the sha256 check, so only a
    # check on the name itself stops a card from choosing which file the integration opens.
    root = models.parent
    if planted is not None:
        target = root / planted
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(models / "model.onnx", target)
        if model_file == "ABSOLUTE":
            model_file = str(target)
    _point_card_at(models, model_file)
    with pytest.raises(ModelCardError, match=re.escape(f"model_file {model_file!r} is not a file name in {models}")):
        read_model_card(models)


def test_a_plain_model_file_name_is_still_accepted(models: Path) -> None:
    shutil.copyfile(models / "model.onnx", models / "renamed.onnx")
    _point_card_at(models, "renamed.onnx")
    assert read_model_card(models).raw["model_file"] == "renamed.onnx"
