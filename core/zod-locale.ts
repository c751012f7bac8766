/**
 * zod's English messages for the schemas of this project. The schemas use
 * zod/mini, whose functions a bundle keeps only as used and whose schemas are
 * cheap to build, which keeps the request handlers' cold start short; unlike
 * the full zod it sets no locale of its own. Imported for its effect by each
 * module that declares schemas.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());
