// @attn/sample: implemented by its own issue.
export {};
