export const PACKAGE_NAME = '@selfsup/cli';
