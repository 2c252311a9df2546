export * from './authenticate.js';
export * from './post-policy.js';
