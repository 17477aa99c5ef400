/** Printing the model back as iptables-save text. */
export * from "./print.js";
