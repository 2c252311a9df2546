export * from "./table.js";
export * from "./obscura-error.js";
