/// <reference types="@attn/datasets/client" />
