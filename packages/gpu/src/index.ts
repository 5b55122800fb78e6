// @attn/gpu: implemented by its own issue.
export {};
