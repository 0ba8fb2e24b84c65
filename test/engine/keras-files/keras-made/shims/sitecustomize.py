# Dev-only shims so Keras 3.14's torch backend imports on Debian 12's python3-torch 1.13 (PyPI is out of
# reach here). Enough for saving, loading and predicting the models of these checks; nothing else.
import sys
import types

try:
    import torch
except ImportError:
    torch = None

# Only for torch 1.x: with torch 2 (or another backend) these shims stay out of the way.
if torch is not None and int(torch.__version__.split('.')[0]) < 2:
    for name in ['float8_e4m3fn', 'float8_e5m2', 'uint16', 'uint32', 'uint64']:
        if not hasattr(torch, name):
            setattr(torch, name, torch.float32 if name.startswith('float') else torch.int64)
    if not hasattr(torch, 'SymInt'):
        class SymInt:
            pass
        torch.SymInt = SymInt
    dynamo = types.ModuleType('torch._dynamo')
    dynamo.disable = lambda *a, **k: (lambda f: f)
    dynamo.is_compiling = lambda: False
    sys.modules.setdefault('torch._dynamo', dynamo)
    # torch 1.13's pytree lacks what keras/src/tree/torchtree_impl.py uses; a pure-Python one stands in.
    import keras_tree_shim
    sys.modules['keras.src.tree.torchtree_impl'] = keras_tree_shim
