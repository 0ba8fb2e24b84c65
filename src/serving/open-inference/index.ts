/** KServe's Open Inference Protocol (v2): infer requests and responses, JSON and binary, and model metadata. */
export { parseInferRequest, splitBinaryBody, inferError, type InferOptions } from './request.ts';
export { formatInferResponse, modelMetadata, type InferResponse } from './response.ts';
