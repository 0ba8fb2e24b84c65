# Dev-only: a pure-Python stand-in for keras/src/tree/torchtree_impl.py (torch 1.13 pytree is too old).
import collections
_REG = {}

def register_tree_node_class(cls):
    _REG[cls] = True
    return cls

def _node(x, is_leaf=None):
    """(children, rebuild, keys) for a container, None for a leaf. Dict keys sorted, as Keras does."""
    if is_leaf is not None and is_leaf(x):
        return None
    t = type(x)
    if t in _REG:
        ch, aux = x.torchtree_flatten()
        ch = list(ch)
        return ch, (lambda c, t=t, aux=aux: t.torchtree_unflatten(aux, c)), list(range(len(ch)))
    if t is collections.OrderedDict:
        keys = list(x.keys())
        return [x[k] for k in keys], (lambda c: collections.OrderedDict(zip(keys, c))), keys
    if t is collections.defaultdict:
        keys = sorted(x.keys())
        return [x[k] for k in keys], (lambda c: collections.defaultdict(x.default_factory, zip(keys, c))), keys
    if t is dict:
        keys = sorted(x.keys())
        return [x[k] for k in keys], (lambda c: dict(zip(keys, c))), keys
    if isinstance(x, tuple) and hasattr(x, '_fields'):
        return list(x), (lambda c: t(*c)), list(range(len(x)))
    if t is list or t is tuple:
        return list(x), (lambda c: t(c)), list(range(len(x)))
    return None

def _leaves(x, is_leaf=None, path=()):
    n = _node(x, is_leaf)
    if n is None:
        return [(path, x)]
    out = []
    for k, c in zip(n[2], n[0]):
        out.extend(_leaves(c, is_leaf, path + (k,)))
    return out

def _unflatten(structure, it, is_leaf=None):
    n = _node(structure, is_leaf)
    if n is None:
        return next(it)
    return n[1]([_unflatten(c, it, is_leaf) for c in n[0]])

def _tree_map(func, structure, *rest, is_leaf=None):
    n = _node(structure, is_leaf)
    if n is None:
        return func(structure, *rest)
    others = []
    for r in rest:
        m = _node(r, None)
        if m is None or len(m[0]) != len(n[0]):
            raise ValueError("Structures don't have the same nested structure.")
        others.append(m[0])
    return n[1]([_tree_map(func, c, *[o[i] for o in others], is_leaf=is_leaf) for i, c in enumerate(n[0])])

def is_nested(structure):
    return _node(structure) is not None

def traverse(func, structure, top_down=True):
    def children():
        n = _node(structure)
        if n is None:
            return structure
        return n[1]([traverse(func, c, top_down=top_down) for c in n[0]])
    if top_down:
        ret = func(structure)
        if ret is None:
            return children()
    else:
        t = children()
        ret = func(t)
        if ret is None:
            return t
    if isinstance(ret, type) and ret.__name__ == "MAP_TO_NONE":
        return None
    return ret

def flatten(structure):
    return [l for _, l in _leaves(structure)]

def flatten_with_path(structure):
    return _leaves(structure)

def map_structure(func, *structures, none_is_leaf=True):
    f = func
    if not none_is_leaf:
        def f(*args):
            if args[0] is None:
                return None
            return func(*args)
    return _tree_map(f, *structures)

def map_structure_up_to(shallow_structure, func, *structures):
    def g(shallow, *args):
        return func(*args)
    return _tree_map(g, shallow_structure, *structures)

def assert_same_structure(a, b):
    _tree_map(lambda x, y: None, a, b)

def assert_same_paths(a, b):
    if set(p for p, _ in _leaves(a)) != set(p for p, _ in _leaves(b)):
        raise ValueError("`a` and `b` don't have the same paths.")

def pack_sequence_as(structure, flat_sequence):
    return _unflatten(structure, iter(flat_sequence))

def lists_to_tuples(structure):
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False)

def map_shape_structure(func, structure):
    def is_shape_tuple(x):
        return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)
    return _tree_map(func, structure, is_leaf=is_shape_tuple)
