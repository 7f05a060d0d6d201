/*
 * The console's fixed words and code tables (the login page shares its failure texts).
 */

/** @type {import("./api.js").FailureTexts} */
export const FAILURES = {
  network: "网络不通，请检查网络后再试",
  server: "服务器出错了，请稍后再试",
  byStatus: {
    403: { text: "没有权限做这件事", detail: true },
    404: { text: "没有找到", detail: true },
    409: { text: "这个会话已由其他工作人员接入", detail: true },
  },
};

export const TITLE = "工友助手工作台";
export const STATUS_LABELS = { bot: "机器人", waiting: "等待接入", staff: "人工" };
export const NEW_ANSWER_PATH = "/console/admin/answers/new?question=";
