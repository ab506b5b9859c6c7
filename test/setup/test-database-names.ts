/** Environment variables global setup hands to test files. */
export const ENV_ADMIN_URL = 'QT_TEST_ADMIN_URL';
export const ENV_TEMPLATE = 'QT_TEST_TEMPLATE_DB';
export const ENV_EMBEDDED_DIR = 'QT_TEST_EMBEDDED_DIR';
