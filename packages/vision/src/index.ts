export const PACKAGE_NAME = '@selfsup/vision';
