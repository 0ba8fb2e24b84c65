# Loads files Kiln wrote with Keras itself and prints, as JSON, how far Keras' predictions are from
# Kiln's. Usage: python3 load_check.py DIR, where DIR/manifest.json is
# {"<name>": {"files": ["x.keras", ...], "inputs": [{dtype, shape, data}], "outputs": [{shape, data}]}}.
import json, os, sys, warnings
import numpy as np
import keras

warnings.filterwarnings('ignore')
root = sys.argv[1]
manifest = json.load(open(os.path.join(root, 'manifest.json')))
results = {}
for name, case in manifest.items():
    xs = [np.array(i['data'], dtype=i['dtype']).reshape(i['shape']) for i in case['inputs']]
    for f in case['files']:
        try:
            model = keras.models.load_model(os.path.join(root, f), compile=False)
            ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
            ys = ys if isinstance(ys, (list, tuple)) else [ys]
            diff = max(float(np.max(np.abs(np.asarray(y) - np.array(o['data']).reshape(o['shape'])))) for y, o in zip(ys, case['outputs']))
            results[f] = {'ok': True, 'diff': diff, 'keras': keras.__version__}
        except Exception as e:
            results[f] = {'ok': False, 'error': f'{type(e).__name__}: {e}'[:2000]}
print(json.dumps(results))
