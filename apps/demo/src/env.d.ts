/// <reference types="@attn/datasets/client" />
/// <reference types="@webgpu/types" />
