export const PACKAGE_NAME = '@selfsup/eval';
