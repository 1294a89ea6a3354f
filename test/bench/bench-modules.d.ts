// The bench is plain JavaScript (bench/*.mjs); its tests see its modules untyped.
declare module '*/bench/peers.mjs';
declare module '*/bench/document.mjs';
declare module '*/bench/report.mjs';
declare module '*/bench/lib.mjs';
