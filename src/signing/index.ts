export * from "./encoding.js";
export * from "./sigv2.js";
export * from "./sigv4.js";
