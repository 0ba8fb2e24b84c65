# Saves, with Keras itself, a model with every layer type Kiln builds, as .keras and legacy .h5, plus its
# inputs and Keras' outputs (every.json). Usage: see README.md beside this file.
import json, os, sys, warnings
import numpy as np
import keras
from keras import layers
warnings.filterwarnings('ignore')
out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(1)
# A throwaway model first, so the real one's layers get auto-numbered names (conv2d_1, dense_2, ...)
# that differ from the object paths Keras stores them under.
_ = keras.Sequential([keras.Input((4, 4, 1)), layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(2), layers.BatchNormalization()])

img = keras.Input((8, 8, 2)); seq = keras.Input((6, 3)); tok = keras.Input((5,), dtype='int32')
x = layers.Rescaling(0.5, offset=0.1)(img)
x = layers.ZeroPadding2D(1)(x)
x = layers.Conv2D(3, 3, strides=2, padding='same')(x)
x = layers.BatchNormalization()(x)
x = layers.ReLU(max_value=6)(x)
x = layers.SeparableConv2D(4, 3, depth_multiplier=2)(x)
x = layers.DepthwiseConv2D(2)(x)
x = layers.Conv2DTranspose(2, 3, strides=2)(x)
sd = layers.SpatialDropout2D(0.2)(x)
g2 = layers.GlobalMaxPooling2D()(layers.AveragePooling2D(2)(sd))
s = layers.Conv1D(4, 2)(seq)
s = layers.MaxPooling1D(2)(s)
s = layers.LayerNormalization()(s)
s = layers.GRU(4, return_sequences=True)(s)
g1 = layers.GlobalAveragePooling1D()(s)
e = layers.Embedding(12, 3)(tok)
bi = layers.Bidirectional(layers.LSTM(3))(e)
gv1 = layers.GRU(6, reset_after=False)(e)
fd = layers.Dense(6)(layers.Flatten()(sd))
cat = layers.Concatenate()([g2, g1, bi])
cd = layers.Dense(6, activation='swish')(cat)
sm = layers.Add()([cd, gv1, fd])
pr = layers.Multiply()([sm, cd])
mean = layers.Average()([sm, pr])
hi = layers.Maximum()([sm, mean])
lo = layers.Minimum()([hi, pr])
y = layers.LeakyReLU(negative_slope=0.2)(lo)
y = layers.ReLU(negative_slope=0.1, threshold=0.05)(y)
y = layers.Activation('tanh')(y)
y = layers.Reshape((3, 2))(y)
y = layers.Softmax()(y)
y = layers.Dropout(0.1)(y)
model = keras.Model([img, seq, tok], [y, cat, fd, gv1])
rng = np.random.default_rng(0)
for v in model.weights:
    shape = tuple(v.shape)
    v.assign(rng.uniform(0.5, 1.5, shape).astype('float32') if 'variance' in v.path else rng.uniform(-0.6, 0.6, shape).astype('float32'))
xs = [rng.uniform(0, 1, (2, 8, 8, 2)).astype('float32'), rng.uniform(-1, 1, (2, 6, 3)).astype('float32'), np.array([[1, 2, 3, 4, 5], [0, 0, 11, 7, 7]], dtype='int32')]
ys = model.predict(xs, verbose=0)
model.save(os.path.join(out, 'every.keras'))
model.save(os.path.join(out, 'every.h5'))
json.dump({'inputs': [{'dtype': str(x.dtype), 'shape': list(x.shape), 'data': x.ravel().tolist()} for x in xs],
           'outputs': [{'shape': list(y.shape), 'data': np.asarray(y).ravel().tolist()} for y in ys],
           'keras_version': keras.__version__, 'names': [l.name for l in model.layers]}, open(os.path.join(out, 'every.json'), 'w'))
