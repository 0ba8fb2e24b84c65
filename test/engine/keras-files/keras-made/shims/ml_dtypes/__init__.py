# Dev-only stand-in: Keras imports ml_dtypes for bfloat16/float8 dtypes, which these checks never use.
import numpy as np
class _Fake(np.generic):
    pass
bfloat16 = np.dtype('V2')
float8_e4m3fn = np.dtype('V1')
float8_e5m2 = np.dtype('V1')
float8_e4m3b11fnuz = np.dtype('V1')
float8_e4m3fnuz = np.dtype('V1')
float8_e5m2fnuz = np.dtype('V1')
int4 = np.dtype('V1')
uint4 = np.dtype('V1')
int2 = np.dtype('V1')
uint2 = np.dtype('V1')
float4_e2m1fn = np.dtype('V1')
class finfo(np.finfo):
    pass
class iinfo(np.iinfo):
    pass
