// @attn/layers: implemented by its own issue.
export {};
