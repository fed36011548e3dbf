/** The version of this package (kept equal to package.json's by a test). */
// @ts-nocheck

export const VERSION = "0.1.0";
