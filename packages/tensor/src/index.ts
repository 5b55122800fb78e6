// @attn/tensor: implemented by its own issue.
export {};
