// @attn/viz: implemented by its own issue.
export {};
